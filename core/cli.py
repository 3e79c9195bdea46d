"""``souk db``: the transactional database's schema."""

from __future__ import annotations

import logging

import typer

from souk.settings import load_settings

# SQLAlchemy, Alembic and the core are imported by the commands that use them: every `souk`
# command imports this module.
db_app = typer.Typer(help="The transactional PostgreSQL schema (Alembic).", no_args_is_help=True)


@db_app.command("migrate")
def migrate_command(
    revision: str = typer.Argument("head", help="Target revision (default: the newest)."),
    sql: bool = typer.Option(False, "--sql", help="Print the SQL instead of running it."),
) -> None:
    """Apply the schema migrations to the database of SOUK_POSTGRES_* settings."""
    from sqlalchemy.exc import OperationalError

    from core import migrate

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = load_settings()
    try:
        migrate.upgrade(settings, revision, sql=sql)
    except OperationalError as exc:
        typer.secho(
            f"cannot reach PostgreSQL at {settings.postgres_host}:{settings.postgres_port} "
            f"({exc.orig}); is it running? try `souk services up`",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1) from exc
    if not sql:
        typer.echo(f"{settings.postgres_db} is at revision {migrate.current_revision(settings)}")


@db_app.command("current")
def current_command() -> None:
    """Show the database's revision and the newest one in the code."""
    from core import migrate

    settings = load_settings()
    typer.echo(f"database: {migrate.current_revision(settings) or 'empty'}")
    typer.echo(f"code:     {migrate.head_revision(settings)}")


@db_app.command("downgrade")
def downgrade_command(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base."),
) -> None:
    """Undo migrations down to ``revision`` (drops tables: development only)."""
    from core import migrate

    migrate.downgrade(load_settings(), revision)


@db_app.command("create-admin")
def create_admin_command(
    email: str = typer.Option(..., help="The administrator's email (their sign-in)."),
    full_name: str = typer.Option(..., help="Their name."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
    ),
) -> None:
    """Create an administrator account (the API registers only buyers and sellers)."""
    from core.db import create_db_engine, make_session_factory
    from core.errors import DomainError
    from core.models import Role
    from core.services import accounts
    from core.unit_of_work import SqlAlchemyUnitOfWork

    engine = create_db_engine(load_settings())
    try:
        registration = accounts.register(
            SqlAlchemyUnitOfWork(make_session_factory(engine)),
            email=email,
            password=password,
            full_name=full_name,
            role=Role.ADMIN,
        )
    except DomainError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(f"administrator {registration.user.email} created ({registration.user.id})")
