"""Makes and models on sale in Egypt, in market proportions, with Arabic names and prices.

Shares are rough proportions of used-car listings on Egyptian marketplaces; base prices are
typical asking prices in EGP for a new car of the model (2026), from which age, mileage and
condition take their toll in :mod:`demo_market.pricing`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CarModel:
    name_en: str
    name_ar: str
    body_type: str
    base_price_egp: int
    trims: tuple[str, ...]
    first_year: int = 2000


@dataclass(frozen=True)
class Make:
    name_en: str
    name_ar: str
    share: float
    models: tuple[CarModel, ...]
    franco: str  # how people type the make in Latin letters on a phone, misspelt


MAKES: tuple[Make, ...] = (
    Make(
        "Toyota",
        "تويوتا",
        0.14,
        (
            CarModel("Corolla", "كورولا", "sedan", 1_650_000, ("XLI", "GLI", "Elite"), 1995),
            CarModel("Yaris", "ياريس", "hatchback", 1_150_000, ("Standard", "Plus")),
            CarModel("Fortuner", "فورتشنر", "suv", 3_100_000, ("Standard", "VX"), 2006),
            CarModel("Camry", "كامري", "sedan", 2_900_000, ("Standard", "Luxury")),
            CarModel("Land Cruiser", "لاند كروزر", "suv", 8_500_000, ("GX", "VX")),
        ),
        "toyta",
    ),
    Make(
        "Hyundai",
        "هيونداي",
        0.13,
        (
            CarModel("Elantra", "النترا", "sedan", 1_450_000, ("Smart", "Modern", "Top Line")),
            CarModel("Accent", "اكسنت", "sedan", 950_000, ("RB", "HCi", "Prime")),
            CarModel("Verna", "فيرنا", "sedan", 750_000, ("Standard", "Highline"), 2006),
            CarModel("Tucson", "توسان", "suv", 2_200_000, ("GL", "Turbo")),
            CarModel("i10", "اي 10", "hatchback", 720_000, ("GL", "GLS"), 2008),
        ),
        "hundai",
    ),
    Make(
        "Kia",
        "كيا",
        0.09,
        (
            CarModel("Cerato", "سيراتو", "sedan", 1_350_000, ("EX", "Top Line")),
            CarModel("Sportage", "سبورتاج", "suv", 2_100_000, ("GT Line", "Fancy")),
            CarModel("Picanto", "بيكانتو", "hatchback", 780_000, ("Standard", "Automatic")),
            CarModel("Rio", "ريو", "hatchback", 850_000, ("Standard", "Highline")),
        ),
        "kya",
    ),
    Make(
        "Nissan",
        "نيسان",
        0.08,
        (
            CarModel("Sunny", "صني", "sedan", 900_000, ("Baseline", "Super Saloon")),
            CarModel("Sentra", "سنترا", "sedan", 1_250_000, ("Standard", "Highline")),
            CarModel("Qashqai", "قشقاي", "suv", 1_900_000, ("Standard", "Tekna"), 2008),
        ),
        "nisan",
    ),
    Make(
        "Chevrolet",
        "شيفروليه",
        0.08,
        (
            CarModel("Optra", "أوبترا", "sedan", 850_000, ("Standard", "Elegant"), 2008),
            CarModel("Aveo", "أفيو", "sedan", 720_000, ("Standard", "Automatic"), 2006),
            CarModel("Lanos", "لانوس", "sedan", 320_000, ("Standard",), 1998),
            CarModel("Captiva", "كابتيفا", "suv", 1_500_000, ("LS", "LT"), 2007),
        ),
        "shevrolet",
    ),
    Make(
        "Mitsubishi",
        "ميتسوبيشي",
        0.05,
        (
            CarModel("Lancer", "لانسر", "sedan", 900_000, ("Shark", "EX")),
            CarModel("Eclipse Cross", "اكليبس كروس", "suv", 1_900_000, ("Standard",), 2018),
            CarModel("Pajero", "باجيرو", "suv", 2_600_000, ("GLS",)),
        ),
        "metsubishi",
    ),
    Make(
        "Renault",
        "رينو",
        0.05,
        (
            CarModel("Logan", "لوجان", "sedan", 700_000, ("Standard", "Prestige"), 2007),
            CarModel("Megane", "ميجان", "sedan", 1_200_000, ("Standard", "Bose")),
            CarModel("Duster", "داستر", "suv", 1_150_000, ("Standard", "4x4"), 2011),
        ),
        "renoo",
    ),
    Make(
        "Peugeot",
        "بيجو",
        0.05,
        (
            CarModel("301", "301", "sedan", 950_000, ("Active", "Allure"), 2013),
            CarModel("508", "508", "sedan", 1_900_000, ("Allure", "GT"), 2011),
            CarModel("3008", "3008", "suv", 2_300_000, ("Active", "GT Line"), 2010),
        ),
        "pejo",
    ),
    Make(
        "Fiat",
        "فيات",
        0.05,
        (
            CarModel("Tipo", "تيبو", "sedan", 850_000, ("Pop", "Easy"), 2016),
            CarModel("128", "128", "sedan", 180_000, ("Standard",), 1975),
            CarModel("Shahin", "شاهين", "sedan", 200_000, ("Standard",), 1985),
        ),
        "fiat",
    ),
    Make(
        "Skoda",
        "سكودا",
        0.05,
        (
            CarModel("Octavia", "أوكتافيا", "sedan", 1_750_000, ("Ambition", "Style")),
            CarModel("Fabia", "فابيا", "hatchback", 900_000, ("Ambition",)),
            CarModel("Kodiaq", "كودياك", "suv", 2_700_000, ("Style",), 2017),
        ),
        "skooda",
    ),
    Make(
        "MG",
        "ام جي",
        0.05,
        (
            CarModel("MG5", "ام جي 5", "sedan", 1_000_000, ("STD", "LUX"), 2012),
            CarModel("ZS", "زد اس", "suv", 1_250_000, ("STD", "LUX"), 2017),
            CarModel("RX5", "ار اكس 5", "suv", 1_550_000, ("Comfort", "Luxury"), 2018),
        ),
        "em gy",
    ),
    Make(
        "Chery",
        "شيري",
        0.04,
        (
            CarModel("Tiggo 7", "تيجو 7", "suv", 1_450_000, ("Comfort", "Luxury"), 2016),
            CarModel("Arrizo 5", "اريزو 5", "sedan", 850_000, ("Comfort",), 2016),
        ),
        "cheri",
    ),
    Make(
        "BYD",
        "بي واي دي",
        0.03,
        (
            CarModel("F3", "اف 3", "sedan", 650_000, ("GLX",), 2005),
            CarModel("Seal", "سيل", "sedan", 2_400_000, ("Design",), 2023),
        ),
        "byd",
    ),
    Make(
        "Mercedes-Benz",
        "مرسيدس",
        0.04,
        (
            CarModel("C 180", "سي 180", "sedan", 3_600_000, ("Avantgarde", "AMG")),
            CarModel("E 200", "اي 200", "sedan", 5_200_000, ("Avantgarde", "AMG")),
            CarModel("GLC 200", "جي ال سي 200", "suv", 5_600_000, ("AMG",), 2016),
        ),
        "marsedes",
    ),
    Make(
        "BMW",
        "بي ام دبليو",
        0.04,
        (
            CarModel("320i", "320", "sedan", 3_700_000, ("Sport Line", "M Sport")),
            CarModel("520i", "520", "sedan", 5_300_000, ("Luxury", "M Sport")),
            CarModel("X3", "اكس 3", "suv", 5_000_000, ("xDrive30i",), 2004),
        ),
        "bmv",
    ),
    Make(
        "Suzuki",
        "سوزوكي",
        0.03,
        (
            CarModel("Swift", "سويفت", "hatchback", 800_000, ("GL", "GLX")),
            CarModel("Ciaz", "سياز", "sedan", 850_000, ("GL", "GLX"), 2015),
        ),
        "suzki",
    ),
)

COLOURS = (
    ("white", "أبيض"),
    ("black", "أسود"),
    ("silver", "فضي"),
    ("grey", "رمادي"),
    ("red", "أحمر"),
    ("blue", "أزرق"),
    ("champagne", "شامبين"),
    ("green", "أخضر"),
)
FUELS = ("petrol", "petrol", "petrol", "petrol", "diesel", "hybrid", "electric", "natural_gas")
TRANSMISSIONS = ("automatic", "automatic", "manual")

PARTS = (
    ("brake pads", "تيل فرامل"),
    ("oil filter", "فلتر زيت"),
    ("air filter", "فلتر هواء"),
    ("headlight", "فانوس أمامي"),
    ("side mirror", "مرايه جانبيه"),
    ("battery", "بطارية"),
    ("radiator", "رادياتير"),
    ("shock absorber", "مساعدين"),
    ("timing belt", "سير كاتينه"),
    ("spark plugs", "بوجيهات"),
    ("clutch kit", "طقم دبرياج"),
    ("front bumper", "اكصدام أمامي"),
)
SERVICES = (
    ("maintenance", "periodic maintenance", "صيانة دورية"),
    ("inspection", "pre-purchase inspection", "فحص قبل الشراء"),
    ("detailing", "car detailing and polishing", "تلميع وتنظيف شامل"),
    ("maintenance", "oil change", "تغيير زيت"),
    ("inspection", "computer diagnostics", "فحص كمبيوتر"),
)
