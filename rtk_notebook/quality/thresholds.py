"""Every threshold the quality layer uses, each with its source (see ``docs/quality-sources.md``).

The sources:

- **ITU-T G.107** (E-model): the user-satisfaction bands of the transmission rating R, in MOS
  (R 80 ~ MOS 4.0 "satisfied", R 70 ~ 3.6 "some users dissatisfied", R 60 ~ 3.1 "many").
- **ITU-T G.114**: one-way delay <= 150 ms acceptable for most applications, > 400 ms
  unacceptable; as round-trip time about 300 ms and 800 ms.
- **The API's own bands**: the peer report's ``*_cumulative`` summaries count the share of
  samples with packet loss >= 5, 10, 25, 50 % and RTT >= 100, 250, 500 ms.
- **Common practice**: the ranges vendors' network guidance agrees on (jitter, loss, RTT, MOS,
  video, transport, device). These are ranges, not one normative number: where a constant picks
  a point inside a range, its comment says which point and why.
- **Project choice**: no published figure; the comment says why this value.

The rules (:mod:`rtk_notebook.quality.rules`) and the plots' band edges
(:mod:`rtk_notebook.plots`) import these names directly: change a threshold here and both follow.
Plain data: this module imports nothing.
"""

from __future__ import annotations

__all__ = [
    "API_LOSS_BANDS_PCT",
    "API_RTT_BANDS_MS",
    "DEVICE_SWITCH_GRACE_S",
    "GAP_INTERVALS",
    "JITTER_FAIR_MS",
    "JITTER_POOR_MS",
    "LOSS_BURST_PCT",
    "LOSS_FAIR_PCT",
    "LOSS_GOOD_PCT",
    "LOSS_POOR_PCT",
    "LOSS_SEVERE_PCT",
    "LOSS_SHARE_OVER_POOR",
    "MAX_WINDOW_FINDINGS",
    "MIN_GAP_S",
    "MOBILE_VIDEO_MAX_CPUS",
    "MOS_BAD",
    "MOS_DIP_MIN_S",
    "MOS_GOOD",
    "MOS_POOR",
    "PRECALL_MIN_THROUGHPUT_KBPS",
    "RECONNECTIONS_CRITICAL",
    "RELAY_TCP_SEVERITY",
    "RELAY_UDP_SEVERITY",
    "RTT_FAIR_MS",
    "RTT_POOR_MS",
    "RTT_SPIKE_FACTOR",
    "RTT_UNACCEPTABLE_MS",
    "VIDEO_DEGRADED_SHARE",
    "VIDEO_HEIGHT_DROP_RATIO",
    "VIDEO_MIN_FPS",
    "WEAK_DEVICE_MAX_CPUS",
    "WEAK_DEVICE_MAX_MEMORY_GB",
    "WINDOW_MIN_SAMPLES",
]

# ---- MOS (1..5, from the report's mos_quality) ----------------------------------------------
# ITU-T G.107 satisfaction bands as MOS: R >= 80 "satisfied" is MOS ~4.0; common practice also
# calls MOS >= 4.0 good. Below it on average over the stay: warning.
MOS_GOOD = 4.0
# ITU-T G.107: R < 70 ("some users dissatisfied" ends) is MOS ~3.6; common practice: below 3.6
# is poor. A median below it (most of the call): critical; samples below it form MOS dips.
MOS_POOR = 3.6
# ITU-T G.107: R < 60 ("many users dissatisfied") is MOS ~3.1. Used to rank how bad a dip was.
MOS_BAD = 3.1

# ---- Round-trip time (ms) -------------------------------------------------------------------
# Common practice: RTT under 150 ms is good, 150-300 ms fair. A median RTT at or above 150 ms
# over the stay: warning (talk-over starts to be noticed).
RTT_FAIR_MS = 150.0
# ITU-T G.114: one-way delay up to 150 ms is acceptable for most applications, i.e. RTT about
# 300 ms; common practice: above 300 ms poor. A median at or above it: critical; samples at or
# above it (and well above the peer's own median, see RTT_SPIKE_FACTOR) form RTT spikes; a TCP
# relay whose 90th percentile reaches it is critical (see RELAY_TCP_SEVERITY).
RTT_POOR_MS = 300.0
# ITU-T G.114: one-way delay above 400 ms is unacceptable for general network planning, i.e.
# RTT about 800 ms. An RTT spike whose mean reaches it: critical.
RTT_UNACCEPTABLE_MS = 800.0
# Project choice (no published figure): a spike must also be at least twice the peer's own
# median RTT, so a path that is long all the time (intercontinental, 3G) is reported once as
# high RTT and not again as a spike every time it wanders past 300 ms.
RTT_SPIKE_FACTOR = 2.0
# The API's own RTT bands (share of samples >= 100, 250, 500 ms in ``rtt`` cumulative).
API_RTT_BANDS_MS: tuple[float, ...] = (100.0, 250.0, 500.0)

# ---- Jitter (ms, audio) ---------------------------------------------------------------------
# Common practice: jitter under 30 ms good, 30-50 ms noticeable. A median at or above 30 ms:
# warning.
JITTER_FAIR_MS = 30.0
# Common practice: above 50-100 ms poor. We take the low end of that range (50 ms) for
# critical: the jitter buffer then adds ~100 ms of delay (2 x jitter) on top of the path.
JITTER_POOR_MS = 50.0

# ---- Packet loss (% of packets, per sample) -------------------------------------------------
# Common practice: under 1 % good.
LOSS_GOOD_PCT = 1.0
# Common practice: 1-3 % fair (Opus FEC hides most of it). We warn at the top of that band,
# 3 % average over the stay: below it FEC still conceals the loss, and healthy mobile paths
# (about 1 %) must not be flagged.
LOSS_FAIR_PCT = 3.0
# Common practice: above 5 % poor; also the API's first loss band (>= 5 %). Average at or
# above it: critical.
LOSS_POOR_PCT = 5.0
# Common practice: bursts of 10 % or more are heard as dropouts whatever the average; also the
# API's second loss band (>= 10 %). Consecutive audio samples at or above it: a loss burst.
LOSS_BURST_PCT = 10.0
# The API's third loss band (>= 25 %). A loss burst averaging this much: critical.
LOSS_SEVERE_PCT = 25.0
# The API's own loss bands (share of samples >= 5, 10, 25, 50 % in ``packet_loss`` cumulative).
API_LOSS_BANDS_PCT: tuple[float, ...] = (5.0, 10.0, 25.0, 50.0)
# Project choice: the share of samples at or above LOSS_POOR_PCT (the API's 5 % band) that
# counts as recurrent loss even when the average stays under LOSS_FAIR_PCT. A fifth of the
# call is past "a blip": healthy home Wi-Fi and 4G stay far below it.
LOSS_SHARE_OVER_POOR = 0.2

# ---- Windows (loss bursts, RTT spikes, MOS dips) --------------------------------------------
# Project choice: a window needs at least 2 consecutive samples (10 s at the usual 5 s
# interval), so a single unlucky sample (binomial noise on ~250 audio packets) is not a burst.
WINDOW_MIN_SAMPLES = 2
# Project choice: more windows than this for one rule are reported as one recurrent finding
# over the whole stay (with every window in its evidence) instead of one finding each.
MAX_WINDOW_FINDINGS = 3
# Project choice: a gap between samples longer than this many sampling intervals breaks a
# window (and, with no reconnection event to explain it, is itself reported as a media gap).
GAP_INTERVALS = 3.0
# Project choice: a media gap shorter than this is not reported (stats timers can be late).
MIN_GAP_S = 15.0

# Project choice: a MOS dip (not explained by a loss burst or an RTT spike) shorter than this is
# reported at info level only. docs/quality-sources.md's typical figures give home Wi-Fi "occasional
# short spikes" (contention, 5-15 s) on an otherwise healthy path: worth seeing on a timeline
# when a user says "it was bad at 10:40", not a verdict on the call.
MOS_DIP_MIN_S = 30.0

# ---- Video ----------------------------------------------------------------------------------
# Common practice: a frame rate below 15 fps is a visible degradation.
VIDEO_MIN_FPS = 15.0
# Common practice: "a resolution held far below what was sent". We read "far below" as half the
# track's own highest height or less (720p -> 360p is one simulcast layer down, a visible drop).
VIDEO_HEIGHT_DROP_RATIO = 0.5
# Project choice: the share of a camera track's samples that must be degraded (low fps or held
# resolution, with quality_limitation_reason bandwidth or cpu) for a finding. A quarter of the
# call is something the user noticed; short dips during a loss burst are reported there.
VIDEO_DEGRADED_SHARE = 0.25

# ---- Transport ------------------------------------------------------------------------------
# Common practice: a TURN relay over TCP or TLS (port 443) adds RTT and head-of-line blocking and
# usually means a firewall blocks UDP: warning; critical when the call shows it (RTT p90 >=
# RTT_POOR_MS or median jitter >= JITTER_POOR_MS), so the cause, not its symptoms, tops the
# findings. A relay over UDP adds a detour only: info.
RELAY_TCP_SEVERITY = "warning"
RELAY_UDP_SEVERITY = "info"

# ---- Device ---------------------------------------------------------------------------------
# Common practice: 2 CPU cores or fewer is prone to CPU-limited encoding: warning.
WEAK_DEVICE_MAX_CPUS = 2
# Project choice (no published figure): navigator.deviceMemory buckets are 0.25..8 GB; 2 GB or
# less is the low-end (Android Go class) bucket. Reported with the cores, warning-level too.
WEAK_DEVICE_MAX_MEMORY_GB = 2.0
# Common practice: "a mobile device encoding video is prone to CPU-limited encoding". We report
# it (info only) when the phone also has few cores: 4 or fewer (project choice), so every
# recent phone on a video call is not flagged.
MOBILE_VIDEO_MAX_CPUS = 4

# ---- Pre-call test --------------------------------------------------------------------------
# The in-call thresholds apply to the pre-call test too: RTT >= RTT_POOR_MS (G.114), jitter >=
# JITTER_POOR_MS (common practice), loss >= LOSS_POOR_PCT (common practice, API band).
# Project choice (docs/quality-sources.md gives no figure): under 300 kbps upstream, camera video
# cannot hold 360p at 30 fps next to the audio (libwebrtc's simulcast table targets about
# 500 kbps for 640x360).
PRECALL_MIN_THROUGHPUT_KBPS = 300.0

# ---- Events ---------------------------------------------------------------------------------
# Project choice: device updates this soon after joining are the initial device selection,
# not a switch during the call.
DEVICE_SWITCH_GRACE_S = 10.0
# Project choice: this many reconnections in one stay make the finding critical.
RECONNECTIONS_CRITICAL = 3
