"""Presets: what a participant may do and how their UI looks."""

from __future__ import annotations

from typing import Any

from rtk_notebook.demo.routes.common import Answer, ApiError, Call, created, handles, ok, ok_paged
from rtk_notebook.spec.endpoints import iso_z


def get_preset(call: Call) -> dict[str, Any]:
    return call.look_up(call.app.presets, "preset_id", "Preset")


@handles("presets.get")
def list_presets(call: Call) -> Answer:
    rows = [
        {k: p[k] for k in ("id", "created_at", "name", "updated_at")}
        for p in call.app.presets.values()
    ]
    search = (call.query.get("search") or "").lower()
    return ok_paged(call, [r for r in rows if search in r["name"].lower()])


@handles("presets.create")
def create_preset(call: Call) -> Answer:
    body = call.body or {}
    if any(p["name"] == body["name"] for p in call.app.presets.values()):
        raise ApiError.conflict(f"a preset named {body['name']!r} already exists")
    preset_id = call.world.next_created_id(call.app.index)
    stamp = iso_z(call.now)
    preset = {"id": preset_id, **body, "created_at": stamp, "updated_at": stamp}
    call.app.presets[preset_id] = preset
    return created(preset)


@handles("presets.get_preset_by_id")
def read_preset(call: Call) -> Answer:
    return ok(get_preset(call))


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied, nested objects merged key by key (a PATCH)."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


@handles("presets.update")
def update_preset(call: Call) -> Answer:
    preset = get_preset(call)
    merged = deep_merge(preset, call.body or {})
    merged["updated_at"] = iso_z(call.now)
    call.app.presets[preset["id"]] = merged
    return ok(merged)


@handles("presets.replace_preset_by_id")
def replace_preset(call: Call) -> Answer:
    preset = get_preset(call)
    replaced = {
        "id": preset["id"],
        **(call.body or {}),
        "created_at": preset["created_at"],
        "updated_at": iso_z(call.now),
    }
    call.app.presets[preset["id"]] = replaced
    return ok(replaced)


@handles("presets.delete")
def delete_preset(call: Call) -> Answer:
    preset = get_preset(call)
    del call.app.presets[preset["id"]]
    return ok(preset)
