"""Static material the demo world draws from: meeting kinds, names, presets, webhooks."""

from __future__ import annotations

from dataclasses import dataclass

from rtk_notebook.spec.bodies import WEBHOOK_EVENTS


@dataclass(frozen=True)
class MeetingKind:
    """What a recurring meeting looks like: size, length, presets, media."""

    key: str
    titles: tuple[str, ...]
    weight: float  # how often this kind of meeting is held, relative to the others
    people: tuple[int, int]  # participants per session, min and max
    minutes: float  # typical session length
    host_preset: str
    guest_preset: str
    video: bool = True
    screenshare_share: float = 0.3  # chance that one participant presents
    record_on_start: bool = False
    livestream: bool = False
    summarize_on_end: bool = False
    roster: int = 0  # people on the meeting's roster; 0 means twice the maximum size


# Most meetings use the group-call presets; classes and webinars their own.
_CALL = ("group_call_host", "group_call_participant")
_CLASS = ("webinar_presenter", "webinar_viewer")
_WEBINAR = ("livestream_host", "livestream_viewer")

# fmt: off
MEETING_KINDS: tuple[MeetingKind, ...] = (
    MeetingKind("standup", ("Daily standup", "Morning sync", "Ops standup"),
                3.0, (4, 10), 15, *_CALL, screenshare_share=0.1),
    MeetingKind("one_on_one", ("1:1", "Weekly 1:1", "Mentoring chat"),
                2.5, (2, 2), 30, *_CALL, screenshare_share=0.2, roster=2),
    MeetingKind("team_sync", ("Team sync", "Sprint planning", "Design review", "Retro"),
                2.0, (5, 16), 45, *_CALL, record_on_start=True, summarize_on_end=True),
    MeetingKind("customer_call", ("Customer onboarding", "Support escalation", "Sales demo"),
                1.5, (2, 8), 40, *_CALL, screenshare_share=0.8, record_on_start=True),
    MeetingKind("interview", ("Candidate interview", "Panel interview"),
                1.0, (2, 5), 45, *_CALL),
    MeetingKind("class", ("Python for analysts", "Spanish B1 class", "Yoga flow"),
                1.0, (10, 35), 60, *_CLASS, screenshare_share=0.9, record_on_start=True),
    MeetingKind("webinar", ("Product webinar", "Quarterly all-hands", "Community livestream"),
                0.6, (25, 90), 60, *_WEBINAR, screenshare_share=1.0, record_on_start=True,
                livestream=True, summarize_on_end=True),
)
# fmt: on

FIRST_NAMES = (
    "Aisha",
    "Ben",
    "Carla",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jamal",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Oscar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tamar",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Amara",
    "Bruno",
    "Chloe",
    "Diego",
    "Emeka",
    "Freya",
    "Gustavo",
    "Hana",
    "Ivan",
    "Jia",
    "Kai",
    "Lucia",
    "Moritz",
    "Noor",
)
LAST_NAMES = (
    "Okafor",
    "Schmidt",
    "Rossi",
    "Ivanova",
    "Haddad",
    "Tanaka",
    "Silva",
    "Nguyen",
    "Kowalski",
    "Mensah",
    "Larsen",
    "Garcia",
    "Patel",
    "Dubois",
    "Cohen",
    "Andersson",
    "Kim",
    "Moreau",
    "Costa",
    "Yilmaz",
    "Novak",
    "Fischer",
    "Mwangi",
    "Santos",
    "Berg",
    "Hughes",
    "Ali",
    "Weber",
)

TEAMS = ("Platform", "Growth", "Data", "Mobile", "Payments", "Support", "Design", "Infra")

PRESET_NAMES = (
    "group_call_host",
    "group_call_participant",
    "webinar_presenter",
    "webinar_viewer",
    "livestream_host",
    "livestream_viewer",
)

SEED_WEBHOOKS = (
    ("All events webhook", WEBHOOK_EVENTS, True),
    ("Recording pipeline", ("recording.statusUpdate",), True),
    ("Attendance to CRM", ("meeting.participantJoined", "meeting.participantLeft"), False),
)

REGIONS = ("ap-south-1", "ap-southeast-1", "us-east-1", "eu-central-1")


def preset_body(name: str) -> dict:
    """A complete preset (config, ui, permissions) in the shape the API returns."""
    host = name.endswith(("_host", "_presenter"))
    viewer = name.endswith("_viewer")
    view_type = (
        "GROUP_CALL"
        if name.startswith("group_call")
        else "WEBINAR"
        if name.startswith("webinar")
        else "LIVESTREAM"
    )
    return {
        "config": _preset_config(view_type, host),
        "name": name,
        "ui": {"design_tokens": _design_tokens(), "config_diff": {}},
        "permissions": _preset_permissions(view_type, host, viewer),
    }


def _preset_config(view_type: str, host: bool) -> dict:
    return {
        "max_screenshare_count": 1,
        "max_video_streams": {"desktop": 25 if view_type == "GROUP_CALL" else 6, "mobile": 6},
        "media": {
            "audio": {"enable_high_bitrate": host, "enable_stereo": False},
            "screenshare": {"frame_rate": 5, "quality": "hd"},
            "video": {"frame_rate": 30, "quality": "hd" if host else "vga"},
        },
        "view_type": view_type,
    }


def _design_tokens() -> dict:
    """The default dark theme (a new dict each time: presets are edited through the API)."""
    return {
        "border_radius": "rounded",
        "border_width": "thin",
        "colors": {
            "background": {
                "600": "#222222",
                "700": "#1f1f1f",
                "800": "#1b1b1b",
                "900": "#181818",
                "1000": "#141414",
            },
            "brand": {
                "300": "#844d1c",
                "400": "#9d5b22",
                "500": "#f38020",
                "600": "#f59a4d",
                "700": "#f8b37a",
            },
            "danger": "#FF2D2D",
            "success": "#62A504",
            "text": "#EEEEEE",
            "text_on_brand": "#EEEEEE",
            "video_bg": "#191919",
            "warning": "#FFCD07",
        },
        "logo": "",
        "spacing_base": 4,
        "theme": "dark",
    }


def _preset_permissions(view_type: str, host: bool, viewer: bool) -> dict:
    produce = "NOT_ALLOWED" if viewer else "ALLOWED"
    return {
        "accept_waiting_requests": host,
        "can_accept_production_requests": host,
        "can_change_participant_permissions": host,
        "can_edit_display_name": not viewer,
        "can_livestream": host and view_type == "LIVESTREAM",
        "can_record": host,
        "can_spotlight": host,
        "chat": {
            "private": {"can_receive": True, "can_send": not viewer, "files": host, "text": True},
            "public": {"can_send": True, "files": host, "text": True},
        },
        "connected_meetings": {
            "can_alter_connected_meetings": host,
            "can_switch_connected_meetings": host,
            "can_switch_to_parent_meeting": True,
        },
        "disable_participant_audio": host,
        "disable_participant_screensharing": host,
        "disable_participant_video": host,
        "hidden_participant": False,
        "kick_participant": host,
        "media": {
            "audio": {"can_produce": produce},
            "screenshare": {"can_produce": "ALLOWED" if host else "CAN_REQUEST"},
            "video": {"can_produce": produce},
        },
        "pin_participant": host,
        "plugins": {
            "can_close": host,
            "can_edit_config": host,
            "can_start": host,
            # The SDK's form (a map from plugin id to access); the reference shows a string.
            "config": {
                "ae79b269-24ca-4f8a-8112-f96084c8c19a": {
                    "access_control": "FULL_ACCESS" if host else "VIEW_ONLY",
                    "handles_view_only": not host,
                }
            },
        },
        "polls": {"can_create": host, "can_view": True, "can_vote": True},
        "recorder_type": "NONE",
        "show_participant_list": not viewer,
        "waiting_room_type": "SKIP" if host else "ON_PRIVILEGED_USER_ENTRY",
        "is_recorder": False,
    }
