"""MOS from loss, RTT and jitter: the ITU-T G.107 E-model in the Cole & Rosenbluth (2001)
simplification (see ``docs/quality-sources.md``)."""

from __future__ import annotations

from typing import Any

import numpy as np

# Ie = 0 and Bpl = 25.1: the G.113 Appendix I figures for G.711 with packet-loss concealment.
# Opus is not tabulated there; its PLC/FEC does at least as well as G.711+PLC on random loss,
# so 25.1 is the conservative-for-Opus end of the 10..25 range commonly assumed.
E_R0 = 93.2
E_IE = 0.0
E_BPL = 25.1
CODEC_DELAY_MS = 10.0  # Opus 20 ms frames: ~10 ms of algorithmic + packetisation delay


def mos_from(loss_pct: Any, rtt_ms: Any, jitter_ms: Any) -> Any:
    """MOS (1..4.5, 2 decimals) from packet loss %, RTT ms and jitter ms via the E-model.

    One-way delay d = rtt/2 + 2*jitter (jitter buffer) + 10 ms (codec);
    Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3); Ie_eff = Ie + (95 - Ie) Ppl / (Ppl + Bpl);
    R = 93.2 - Id - Ie_eff; MOS = 1 + 0.035 R + 7e-6 R (R - 60)(100 - R), 1 below R=0 and
    4.5 above R=100. Accepts scalars (returns float) or arrays (returns ndarray).
    """
    loss = np.asarray(loss_pct, dtype=np.float64)
    rtt = np.asarray(rtt_ms, dtype=np.float64)
    jit = np.asarray(jitter_ms, dtype=np.float64)
    d = rtt / 2.0 + 2.0 * jit + CODEC_DELAY_MS
    i_d = 0.024 * d + 0.11 * (d - 177.3) * (d > 177.3)
    ie_eff = E_IE + (95.0 - E_IE) * loss / (loss + E_BPL)
    r = E_R0 - i_d - ie_eff
    mos = 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)
    mos = np.where(r < 0.0, 1.0, np.where(r > 100.0, 4.5, mos))
    out = np.round(np.clip(mos, 1.0, 4.5), 2)
    if out.ndim == 0:
        return float(out)
    return out
