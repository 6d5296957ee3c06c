"""Who a simulated peer is: device, browser, SDK, network and location, all consistent with
the peer's network profile and the day of the call.

The tables are plausible populations, not measurements: browser shares per OS, device
classes per profile, cities near and far from the media servers, and real access networks'
ASNs per country. Addresses come from the documentation ranges (RFC 5737, RFC 5398).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rtk_notebook.demo.netsim.profiles import NETWORK_PROFILES

# Desktop browser share per OS.
DESKTOP_BROWSERS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "Windows": (("Chrome", "Edge", "Firefox"), (0.65, 0.22, 0.13)),
    "macOS": (("Chrome", "Safari", "Firefox"), (0.6, 0.3, 0.1)),
    "Linux": (("Chrome", "Firefox"), (0.7, 0.3)),
}

# Device class per profile: (class, weight) pairs.
DEVICE_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "fibre": (("desktop", 1.0),),
    "home_wifi": (("desktop", 0.8), ("mobile", 0.2)),
    "congested_wifi": (("desktop", 0.7), ("mobile", 0.3)),
    "4g": (("mobile", 0.85), ("desktop", 0.15)),  # a laptop tethered to a phone
    "3g": (("old_mobile", 1.0),),
    "relay_tcp": (("corporate", 1.0),),
    "intercontinental": (("desktop", 0.75), ("mobile", 0.25)),
    "cpu_starved_mobile": (("weak_mobile", 1.0),),
}

# (country, city, region, timezone, lat, lon, postal)
Location = tuple[str, str, str, str, float, float, str]
NEAR: tuple[Location, ...] = (
    ("US", "San Francisco", "California", "America/Los_Angeles", 37.7749, -122.4194, "94103"),
    ("US", "New York", "New York", "America/New_York", 40.7128, -74.0060, "10001"),
    ("US", "Austin", "Texas", "America/Chicago", 30.2672, -97.7431, "78701"),
    ("GB", "London", "England", "Europe/London", 51.5074, -0.1278, "EC1A"),
    ("DE", "Berlin", "Berlin", "Europe/Berlin", 52.5200, 13.4050, "10115"),
    ("FR", "Paris", "Île-de-France", "Europe/Paris", 48.8566, 2.3522, "75001"),
    ("NL", "Amsterdam", "North Holland", "Europe/Amsterdam", 52.3676, 4.9041, "1012"),
    ("IE", "Dublin", "Leinster", "Europe/Dublin", 53.3498, -6.2603, "D01"),
    ("CA", "Toronto", "Ontario", "America/Toronto", 43.6532, -79.3832, "M5H"),
)
# Intercontinental peers: far from where the meeting's media is served.
FAR: tuple[Location, ...] = (
    ("AU", "Sydney", "New South Wales", "Australia/Sydney", -33.8688, 151.2093, "2000"),
    ("AU", "Perth", "Western Australia", "Australia/Perth", -31.9523, 115.8613, "6000"),
    ("IN", "Bengaluru", "Karnataka", "Asia/Kolkata", 12.9716, 77.5946, "560001"),
    ("IN", "Mumbai", "Maharashtra", "Asia/Kolkata", 19.0760, 72.8777, "400001"),
    ("BR", "São Paulo", "São Paulo", "America/Sao_Paulo", -23.5505, -46.6333, "01000-000"),
    ("ZA", "Johannesburg", "Gauteng", "Africa/Johannesburg", -26.2041, 28.0473, "2000"),
    ("NZ", "Auckland", "Auckland", "Pacific/Auckland", -36.8485, 174.7633, "1010"),
)
# (asn, org, domain) per country: fixed-line and mobile access networks.
Isp = tuple[str, str, str]
ISPS: dict[str, tuple[tuple[Isp, ...], tuple[Isp, ...]]] = {
    "US": (
        (
            ("AS7922", "Comcast Cable Communications, LLC", "comcast.net"),
            ("AS701", "Verizon Business", "verizon.com"),
            ("AS7018", "AT&T Services, Inc.", "att.com"),
        ),
        (
            ("AS21928", "T-Mobile USA, Inc.", "t-mobile.com"),
            ("AS6167", "Cellco Partnership DBA Verizon Wireless", "verizonwireless.com"),
        ),
    ),
    "GB": (
        (
            ("AS2856", "British Telecommunications PLC", "bt.com"),
            ("AS5089", "Virgin Media Limited", "virginmedia.com"),
        ),
        (("AS25135", "Vodafone Limited", "vodafone.co.uk"), ("AS12576", "EE Limited", "ee.co.uk")),
    ),
    "DE": (
        (
            ("AS3320", "Deutsche Telekom AG", "telekom.de"),
            ("AS6805", "Telefonica Germany GmbH & Co.OHG", "telefonica.de"),
        ),
        (("AS3209", "Vodafone GmbH", "vodafone.de"),),
    ),
    "FR": (
        (("AS3215", "Orange S.A.", "orange.fr"), ("AS12322", "Free SAS", "free.fr")),
        (("AS51207", "Free Mobile SAS", "free.fr"), ("AS3215", "Orange S.A.", "orange.fr")),
    ),
    "NL": (
        (("AS1136", "KPN B.V.", "kpn.com"), ("AS33915", "Vodafone Libertel B.V.", "vodafone.nl")),
        (("AS1136", "KPN B.V.", "kpn.com"),),
    ),
    "IE": (
        (("AS5466", "Eircom Limited", "eir.ie"),),
        (("AS15502", "Vodafone Ireland Limited", "vodafone.ie"),),
    ),
    "CA": (
        (("AS812", "Rogers Communications Canada Inc.", "rogers.com"),),
        (("AS577", "Bell Canada", "bell.ca"),),
    ),
    "AU": (
        (
            ("AS1221", "Telstra Limited", "telstra.com"),
            ("AS4764", "Aussie Broadband", "aussiebroadband.com.au"),
        ),
        (("AS1221", "Telstra Limited", "telstra.com"),),
    ),
    "IN": (
        (("AS24560", "Bharti Airtel Ltd.", "airtel.in"),),
        (("AS55836", "Reliance Jio Infocomm Limited", "jio.com"),),
    ),
    "BR": (
        (("AS28573", "Claro NXT Telecomunicacoes Ltda", "claro.com.br"),),
        (("AS18881", "Telefonica Brasil S.A", "vivo.com.br"),),
    ),
    "ZA": (
        (("AS37457", "Telkom SA Ltd.", "telkom.co.za"),),
        (("AS36994", "Vodacom", "vodacom.co.za"),),
    ),
    "NZ": (
        (("AS9500", "One New Zealand Group Limited", "one.nz"),),
        (("AS9500", "One New Zealand Group Limited", "one.nz"),),
    ),
}
# Corporate networks behind a UDP-blocking firewall: documentation ASNs (RFC 5398).
CORPORATE: tuple[Isp, ...] = (
    ("AS64500", "Initech Corporate Network", "initech.example"),
    ("AS64501", "Globex Corporation", "globex.example"),
    ("AS64502", "Contoso Ltd.", "contoso.example"),
    ("AS64503", "Umbrella Holdings IT", "umbrella.example"),
)

SDK_NAME = "@cloudflare/realtimekit"
SDK_VERSIONS = ("1.1.4", "1.1.6", "1.2.0", "1.2.1")
TURN_URL_TCP = "turn:turn.cloudflare.com:443?transport=tcp"


def chrome_major(day: datetime) -> int:
    # Chrome 121 shipped 2024-01-23; a new major every 4 weeks.
    return max(100, 121 + (day - datetime(2024, 1, 23, tzinfo=UTC)).days // 28)


def apple_major(day: datetime) -> int:
    if day < datetime(2024, 9, 16, tzinfo=UTC):
        return 17
    if day < datetime(2025, 9, 15, tzinfo=UTC):
        return 18
    return 26  # Apple's year-based numbering from September 2025


@dataclass(frozen=True)
class _Versions:
    """The browser versions current on the day, a user's lag behind them included."""

    chrome: int
    apple: int
    apple_minor: int


@dataclass(frozen=True)
class _Software:
    os_name: str
    os_version: str
    browser: str
    version: str
    engine: str
    user_agent: str
    cpus: int
    memory: int  # GB, as navigator.deviceMemory reports it
    is_mobile: bool


def draw_identity(rng: random.Random, profile: str, day: datetime) -> dict[str, Any]:
    """The peer's device, browser and network identity (the draws in a fixed order)."""
    classes, weights = zip(*DEVICE_MIX[profile], strict=True)
    device_class = rng.choices(classes, weights=weights)[0]
    lag = rng.choice((0, 0, 1, 1, 2, 3))  # users run slightly old browsers
    versions = _Versions(chrome_major(day) - lag, apple_major(day), rng.randint(0, 5))
    if device_class in ("desktop", "corporate"):
        software = _desktop_software(rng, device_class, versions)
    else:
        software = _mobile_software(rng, device_class, versions)
    identity = _network_identity(rng, profile, software.is_mobile)
    return {
        "device": {
            "cpus": software.cpus,
            "is_mobile": software.is_mobile,
            "os": software.os_name,
            "os_version": software.os_version,
        },
        "memory": software.memory,
        "browser": {
            "browser": software.browser,
            "browser_version": software.version,
            "engine": software.engine,
            "user_agent": software.user_agent,
            # The spec types webgl_support as a string, the SDK (5.9) as a boolean: "true"
            # is both.
            "webgl_support": "true",
        },
        "sdk_version": rng.choice(SDK_VERSIONS),
        **identity,
        "host_first": rng.random() < 0.8,  # nominated local candidate: host, else srflx
        "sfu_ip": f"192.0.2.{rng.randint(10, 60)}",
        "turn_ip": f"192.0.2.{rng.randint(100, 160)}",
        "ports": [rng.randint(49152, 65535) for _ in range(4)],
        "sfu_ports": [rng.randint(40000, 49999) for _ in range(2)],
        "cand_ids": [
            "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789+/", k=8)) for _ in range(4)
        ],
    }


_DESKTOP_PLATFORMS = {
    "Windows": ("10", "Windows NT 10.0; Win64; x64"),
    "macOS": ("10.15.7", "Macintosh; Intel Mac OS X 10_15_7"),
    "Linux": ("x86_64", "X11; Linux x86_64"),
}


def _desktop_software(rng: random.Random, device_class: str, versions: _Versions) -> _Software:
    if device_class == "corporate":
        os_name = "Windows"
        browser = rng.choice(("Chrome", "Edge"))
        cpus = rng.choice((4, 8, 8, 12))
    else:
        os_name = rng.choices(("Windows", "macOS", "Linux"), weights=(0.55, 0.35, 0.10))[0]
        names, weights = DESKTOP_BROWSERS[os_name]
        browser = rng.choices(names, weights=weights)[0]
        cpus = rng.choice((4, 6, 8, 8, 10, 12, 16))
    memory = rng.choice((8, 8, 8, 4))  # navigator.deviceMemory caps at 8
    os_version, platform = _DESKTOP_PLATFORMS[os_name]
    if browser in ("Chrome", "Edge"):
        version = f"{versions.chrome}.0.0.0"
        ua = (
            f"Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{version} Safari/537.36"
        )
        if browser == "Edge":
            ua += f" Edg/{version}"
        engine = "Blink"
    elif browser == "Firefox":
        version = f"{versions.chrome + 1}.0"  # Firefox's major runs one ahead of Chrome's
        ff_platform = platform.replace("Intel Mac OS X 10_15_7", "Intel Mac OS X 10.15")
        ua = f"Mozilla/5.0 ({ff_platform}; rv:{version}) Gecko/20100101 Firefox/{version}"
        engine = "Gecko"
    else:
        version = f"{versions.apple}.{versions.apple_minor}"
        ua = (
            f"Mozilla/5.0 ({platform}) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            f"Version/{version} Safari/605.1.15"
        )
        engine = "WebKit"
    return _Software(os_name, os_version, browser, version, engine, ua, cpus, memory, False)


def _mobile_software(rng: random.Random, device_class: str, versions: _Versions) -> _Software:
    ios_share = {"mobile": 0.4, "old_mobile": 0.2, "weak_mobile": 0.0}[device_class]
    if rng.random() < ios_share:
        apple, minor = versions.apple, versions.apple_minor
        version = f"{apple}.{minor}"
        ua = (
            f"Mozilla/5.0 (iPhone; CPU iPhone OS {apple}_{minor} like Mac OS X) "
            f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{version} "
            "Mobile/15E148 Safari/604.1"
        )
        cpus = 6 if device_class == "mobile" else 4
        return _Software("iOS", version, "Safari", version, "WebKit", ua, cpus, 4, True)
    version = f"{versions.chrome}.0.0.0"
    ua = (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{version} Mobile Safari/537.36"
    )
    if device_class == "weak_mobile":
        cpus, memory = 2, rng.choice((1, 2))
    elif device_class == "old_mobile":
        cpus, memory = rng.choice((4, 8)), rng.choice((2, 4))
    else:
        cpus, memory = 8, rng.choice((4, 8))
    # Chrome's reduced user agent always says "Android 10; K".
    return _Software("Android", "10", "Chrome", version, "Blink", ua, cpus, memory, True)


def _network_identity(rng: random.Random, profile: str, is_mobile: bool) -> dict[str, Any]:
    """Network type, location, access network (ASN) and addresses."""
    net_type = rng.choice(NETWORK_PROFILES[profile].network_types)
    if is_mobile and net_type == "ethernet":
        net_type = "wifi"
    cellular = net_type in ("4g", "3g")
    loc = rng.choice(FAR if profile == "intercontinental" else NEAR)
    if profile == "relay_tcp":
        asn, org, domain = rng.choice(CORPORATE)
        asn_type = "business"
    else:
        fixed, mobile = ISPS[loc[0]]
        asn, org, domain = rng.choice(mobile if cellular else fixed)
        asn_type = "isp"
    # Documentation address ranges (RFC 5737): homes on 198.51.100/24, mobile carriers and
    # corporate NATs on 203.0.113/24, our own servers (SFU, TURN) on 192.0.2/24.
    public_net = "203.0.113" if (cellular or profile == "relay_tcp") else "198.51.100"
    ipv4 = f"{public_net}.{rng.randint(2, 254)}"
    if cellular:
        private_ip = f"100.{rng.randint(64, 127)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    elif profile == "relay_tcp":
        private_ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    else:
        private_ip = f"192.168.{rng.choice((0, 1, 1, 1, 178))}.{rng.randint(2, 254)}"
    return {
        "net_type": net_type,
        "cand_net_type": "cellular" if cellular else net_type,
        "loc": loc,
        "asn": {"asn": asn, "name": org, "domain": domain, "type": asn_type},
        "org": f"{asn} {org}",
        "ipv4": ipv4,
        "private_ip": private_ip,
    }


MICS_DESKTOP = (
    "MacBook Pro Microphone (Built-in)",
    "Microphone Array (Realtek(R) Audio)",
    "Default - Microphone (Intel® Smart Sound Technology)",
)
MICS_MOBILE = ("iPhone Microphone", "Built-in microphone", "Speakerphone")
HEADSETS = (
    "Jabra Evolve2 65 (0b0e:24b1)",
    "AirPods Pro (Bluetooth)",
    "Logitech H390 (046d:0a44)",
    "Poly Blackwire 3220 (047f:c056)",
)
CAMS_DESKTOP = ("FaceTime HD Camera", "Integrated Webcam (0c45:6a10)", "HD Webcam (04f2:b6dd)")
CAMS_MOBILE = ("Front Camera", "camera2 1, facing front")
CAMS_EXTERNAL = ("Logitech BRIO (046d:085e)", "Logi C920 HD Pro Webcam (046d:082d)")


def device_entry(rng: random.Random, kind: str, label: str) -> dict[str, str]:
    return {"device_id": f"{rng.getrandbits(256):064x}", "kind": kind, "label": label}


def segment_values(ident: dict[str, Any]) -> dict[str, str]:
    """The peer's segments as its quality row shows them (``browser_major`` like
    ``Chrome 142``, ``device_type``, ``country``...), from :func:`draw_identity`'s answer."""
    browser, device = ident["browser"], ident["device"]
    country, city, region = ident["loc"][0], ident["loc"][1], ident["loc"][2]
    major = str(browser["browser_version"]).split(".", 1)[0]
    return {
        "browser": browser["browser"],
        "browser_major": f"{browser['browser']} {major}",
        "os": device["os"],
        "device_type": "mobile" if device["is_mobile"] else "desktop",
        "network": ident["net_type"],
        "country": country,
        "region": region,
        "city": city,
        "sdk_version": ident["sdk_version"],
    }
