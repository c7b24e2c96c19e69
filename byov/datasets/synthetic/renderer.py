"""A small numpy/OpenCV rasteriser: convex solids as filled polygons, painter's algorithm.

Geometry is a list of :class:`Faces` (polygons with outward normals and colours) and
:class:`Spheres`. Each frame, faces are moved into camera coordinates, back faces culled,
Lambert-shaded under one directional light, clipped against the near plane, projected
with the camera's perspective and drawn far-to-near with ``cv2.fillPoly`` inside each
layer (layers are drawn in increasing order: room, things on the walls, under the table,
table top, shadows, objects on the table). A flat textured surface (:func:`grid`) is one
item of the depth order, drawn with one ``fillPoly`` call per colour. The image is
rendered ``supersample`` times larger and reduced with area averaging (anti-aliasing).
"""
from dataclasses import dataclass

import cv2
import numpy as np

SHIFT = 4                  # fixed-point bits of the pixel coordinates passed to OpenCV
_SCALE = float(1 << SHIFT)
NEAR = 0.02                # near plane, metres

LAYER_ROOM, LAYER_DECOR, LAYER_UNDER, LAYER_TABLE, LAYER_SHADOW, LAYER_OBJECTS = range(6)


@dataclass
class Faces:
    """``verts`` [F, K, 3] world polygons (K vertices each, in cyclic order),
    ``normals`` [F, 3] outward unit normals, ``colors`` [F, 3] RGB in 0-255.
    ``flat``: the faces are non-overlapping cells of one plane (sorted as one item)."""
    verts: np.ndarray
    normals: np.ndarray
    colors: np.ndarray
    layer: int = LAYER_OBJECTS
    two_sided: bool = False
    unlit: bool = False
    flat: bool = False


@dataclass
class Spheres:
    """``centers`` [S, 3], ``radii`` [S], ``colors`` [S, 3] RGB in 0-255."""
    centers: np.ndarray
    radii: np.ndarray
    colors: np.ndarray
    layer: int = LAYER_OBJECTS


def _colors(colors, n):
    colors = np.asarray(colors, dtype=np.float64)
    return np.broadcast_to(colors, (n, 3)) if colors.ndim == 1 else colors


def mirror_x(item, sign):
    """Mirror geometry through the plane x = 0 when ``sign`` is -1."""
    if sign > 0:
        return item
    flip = np.array([-1.0, 1.0, 1.0])
    if isinstance(item, Spheres):
        return Spheres(item.centers * flip, item.radii, item.colors, item.layer)
    return Faces(item.verts * flip, item.normals * flip, item.colors, item.layer,
                 item.two_sided, item.unlit, item.flat)


# ----------------------------------------------------------------------------- primitives

_BOX_FACES = []
for _axis in range(3):
    _b, _c = [a for a in range(3) if a != _axis]
    for _s in (0, 1):
        quad = []
        for bb, cc in ((0, 0), (1, 0), (1, 1), (0, 1)):
            bits = [0, 0, 0]
            bits[_axis], bits[_b], bits[_c] = _s, bb, cc
            quad.append(bits[0] + 2 * bits[1] + 4 * bits[2])
        _BOX_FACES.append((quad, _axis, 2 * _s - 1))
_BOX_QUADS = np.array([q for q, _, _ in _BOX_FACES])
_BOX_NORMALS = np.zeros((6, 3))
for _i, (_, _axis, _sign) in enumerate(_BOX_FACES):
    _BOX_NORMALS[_i, _axis] = _sign
_BOX_SIGNS = np.array([[(i >> 0) & 1, (i >> 1) & 1, (i >> 2) & 1] for i in range(8)]) * 2.0 - 1


def box(center, half, colors, rot=None, layer=LAYER_OBJECTS):
    """A box of half sizes ``half``; ``colors`` one RGB or six (x-, x+, y-, y+, z-, z+)."""
    rot = np.eye(3) if rot is None else rot
    corners = np.asarray(center) + (_BOX_SIGNS * np.asarray(half)) @ rot.T
    return Faces(corners[_BOX_QUADS], _BOX_NORMALS @ rot.T, _colors(colors, 6), layer)


def cross(a, b):
    """Cross product of two 3-vectors (np.cross is slow for single vectors)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                     a[0] * b[1] - a[1] * b[0]])


def _basis(axis):
    w = axis / np.sqrt(axis @ axis)
    u = cross(w, (1.0, 0.0, 0.0) if abs(w[0]) < 0.9 else (0.0, 1.0, 0.0))
    u /= np.sqrt(u @ u)
    return u, cross(w, u), w


_RINGS = {}


def _ring(n):
    """(cos, sin) of n angles around a circle and of the n side mid-angles; cached."""
    if n not in _RINGS:
        theta = np.arange(n) * (2 * np.pi / n)
        mid = theta + np.pi / n
        _RINGS[n] = (np.stack([np.cos(theta), np.sin(theta)], 1),
                     np.stack([np.cos(mid), np.sin(mid)], 1), np.roll(np.arange(n), -1))
    return _RINGS[n]


def cylinder(p0, p1, radius, colors, cap_colors=None, n=12, layer=LAYER_OBJECTS,
             caps=(True, True), basis=None):
    """A cylinder from ``p0`` to ``p1``: n side quads (``colors`` one RGB or n) and caps.

    Returns a list of :class:`Faces` (the sides, then the caps that were asked for).
    ``cap_colors`` is (colour at p0, colour at p1); ``basis`` optionally fixes the
    radial directions (u, v, axis), e.g. so that stripes keep their place as the cylinder
    turns.
    """
    p0, p1 = np.asarray(p0, dtype=np.float64), np.asarray(p1, dtype=np.float64)
    u, v, w = _basis(p1 - p0) if basis is None else basis
    cs, cs_mid, nxt = _ring(n)
    uv = np.array([u, v])
    radial = cs @ uv                                                        # [n, 3]
    ring0 = p0 + radius * radial
    ring1 = ring0 + (p1 - p0)
    sides = np.empty((n, 4, 3))                                             # [n, 4, 3]
    sides[:, 0], sides[:, 1], sides[:, 2], sides[:, 3] = ring0, ring0[nxt], ring1[nxt], ring1
    normals = cs_mid @ uv
    out = [Faces(sides, normals, _colors(colors, n), layer)]
    cap_colors = (colors, colors) if cap_colors is None else cap_colors
    if caps[0]:
        out.append(Faces(ring0[None], -w[None], _colors(cap_colors[0], 1), layer))
    if caps[1]:
        out.append(Faces(ring1[None], w[None], _colors(cap_colors[1], 1), layer))
    return out


def grid(corner, e1, e2, colors, layer, normal=None):
    """A flat rectangle from ``corner`` along ``e1`` and ``e2`` split into cells.

    ``colors`` [n1, n2, 3]: one colour per cell (a texture: stripes, checker, plain).
    """
    colors = np.asarray(colors, dtype=np.float64)
    n1, n2 = colors.shape[:2]
    i, j = np.meshgrid(np.arange(n1), np.arange(n2), indexing='ij')
    i, j = i.reshape(-1, 1), j.reshape(-1, 1)
    c = np.asarray(corner) + (i * e1 / n1) + (j * e2 / n2)                  # [F, 3]
    d1, d2 = e1 / n1, e2 / n2
    verts = np.stack([c, c + d1, c + d1 + d2, c + d2], axis=1)
    if normal is None:
        normal = np.cross(e1, e2)
        normal = normal / np.linalg.norm(normal)
    return Faces(verts, np.broadcast_to(normal, (len(verts), 3)), colors.reshape(-1, 3), layer,
                 flat=True)


def disc(center, radius, color, n=12, layer=LAYER_SHADOW, squash=(1.0, 1.0)):
    """A flat horizontal ellipse (used for blob shadows on the table)."""
    theta = np.arange(n) * (2 * np.pi / n)
    pts = np.stack([squash[0] * radius * np.cos(theta), squash[1] * radius * np.sin(theta),
                    np.zeros(n)], axis=1) + np.asarray(center)
    return Faces(pts[None], np.array([[0.0, 0.0, 1.0]]), _colors(color, 1), layer,
                 two_sided=True, unlit=True)


def billboard(p0, p1, width, color, eye, layer=LAYER_OBJECTS):
    """A flat strip from ``p0`` to ``p1`` turned to face ``eye`` (a stream of liquid)."""
    axis = p1 - p0
    side = np.cross(axis, (p0 + p1) / 2 - eye)
    side = side / (np.linalg.norm(side) + 1e-9) * (width / 2)
    verts = np.stack([p0 - side, p0 + side, p1 + side, p1 - side])[None]
    return Faces(verts, np.array([[0.0, 0.0, 1.0]]), _colors(color, 1), layer,
                 two_sided=True, unlit=True)


# ----------------------------------------------------------------------------- rasteriser


@dataclass
class FaceBatch:
    """Faces with the same number of vertices K, packed into arrays for speed."""
    verts: np.ndarray      # [F, K, 3]
    normals: np.ndarray    # [F, 3]
    colors: np.ndarray     # [F, 3]
    layer: np.ndarray      # [F] int
    two_sided: np.ndarray  # [F] bool
    unlit: np.ndarray      # [F] bool
    group: np.ndarray      # [F] int: the flat surface a face belongs to, -1 for none


def pack(faces):
    """Group :class:`Faces` by vertex count into :class:`FaceBatch` es: dict K -> batch."""
    parts = {}
    group = 0
    for f in faces:
        parts.setdefault(f.verts.shape[1], []).append((f, group if f.flat else -1))
        group += f.flat
    out = {}
    for k, fs in parts.items():
        counts = [len(f.verts) for f, _ in fs]
        out[k] = FaceBatch(
            np.concatenate([f.verts for f, _ in fs]),
            np.concatenate([f.normals for f, _ in fs]),
            np.concatenate([f.colors for f, _ in fs]),
            np.repeat([f.layer for f, _ in fs], counts),
            np.repeat([f.two_sided for f, _ in fs], counts),
            np.repeat([f.unlit for f, _ in fs], counts),
            np.repeat([g for _, g in fs], counts))
    return out


def merge(*packs):
    """Merge packed faces (flat surfaces keep apart: their group ids are renumbered)."""
    parts = {}
    offset = 0
    for batches in packs:
        top = -1
        for k, b in batches.items():
            group = np.where(b.group >= 0, b.group + offset, -1)
            parts.setdefault(k, []).append(FaceBatch(b.verts, b.normals, b.colors, b.layer,
                                                     b.two_sided, b.unlit, group))
            top = max(top, int(b.group.max()))
        offset += top + 1
    return {k: _concat(p) for k, p in parts.items()}


def _concat(batches):
    if len(batches) == 1:
        return batches[0]
    return FaceBatch(*[np.concatenate([getattr(b, f) for b in batches])
                       for f in ('verts', 'normals', 'colors', 'layer', 'two_sided', 'unlit',
                                 'group')])


def mirror_batches(batches, sign):
    """:func:`mirror_x` for packed faces."""
    if sign > 0:
        return batches
    flip = np.array([-1.0, 1.0, 1.0])
    return {k: FaceBatch(b.verts * flip, b.normals * flip, b.colors, b.layer, b.two_sided,
                         b.unlit, b.group) for k, b in batches.items()}


def _clip_near(poly):
    """Sutherland-Hodgman clip of a camera-space polygon [K, 3] to z >= NEAR."""
    out = []
    n = len(poly)
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        a_in, b_in = a[2] >= NEAR, b[2] >= NEAR
        if a_in:
            out.append(a)
        if a_in != b_in:
            t = (NEAR - a[2]) / (b[2] - a[2])
            out.append(a + t * (b - a))
    return np.array(out) if len(out) >= 3 else None


def _collect_flat(flats, cam, cam_v, b, colors, depth, sel, whole):
    """Add the visible cells ``sel`` of flat surfaces to ``flats``:
    surface -> [layer, [depths], [(colour, polygons)]], polygons grouped by colour."""
    idx = np.flatnonzero(sel & whole)
    keys = []
    if len(idx):
        pts = _to_fixed(cam.project(cam_v[idx]))
        _, color_id = np.unique(colors[idx], axis=0, return_inverse=True)
        key = b.group[idx] * (len(idx) + 1) + color_id.reshape(-1)
        keys = np.unique(key).tolist()
    for k in keys:
        m = key == k
        first = idx[np.argmax(m)]
        entry = flats.setdefault(int(b.group[first]), [int(b.layer[first]), [], []])
        entry[1].extend(depth[idx[m]].tolist())
        entry[2].append((colors[first].tolist(), pts[m]))
    for i in np.flatnonzero(sel & ~whole).tolist():
        poly = _clip_near(cam_v[i])
        if poly is not None:
            entry = flats.setdefault(int(b.group[i]), [int(b.layer[i]), [], []])
            entry[1].append(depth[i])
            entry[2].append((colors[i].tolist(), [_to_fixed(cam.project(poly))]))


def _to_fixed(pixels):
    return np.round(np.clip(pixels, -1e6, 1e6) * _SCALE).astype(np.int32)


def render(camera, faces, spheres, light, ambient, background, supersample=2,
           shadow_strength=0.35, reduce=True):
    """Draw the scene seen by ``camera``; returns an RGB uint8 image [H, W, 3].

    Args:
        faces: a list of :class:`Faces` or their :func:`pack` ed form.
        spheres: a list of :class:`Spheres`.
        light: unit vector towards the light (world); ambient: share of unlit light.
        background: RGB shown where nothing is drawn, or an image at the supersampled
            size to draw over (e.g. the static part of the scene, rendered once for a
            static camera with ``reduce=False``).
        reduce: return the image reduced to the camera's size (else at supersampled size).
    """
    cam = camera.scaled(supersample) if supersample > 1 else camera
    light = np.asarray(light, dtype=np.float64)
    batches = faces if isinstance(faces, dict) else pack(faces)
    # every drawable: its layer, depth, and where its geometry and colour are kept
    layers, depths, srcs, rows = [], [], [], []
    geoms, cols = [], []          # per source: points (array or list), colours (list)
    flats = {}                    # flat surface -> [layer, depths, [(colour, polygons)]]
    for b in batches.values():
        cam_v = cam.to_camera(b.verts)                                      # [F, K, 3]
        z = cam_v[..., 2]
        keep = z.max(axis=1) > NEAR
        to_eye = cam.eye - b.verts.mean(axis=1)
        keep &= b.two_sided | (np.einsum('fk,fk->f', b.normals, to_eye) > 0)
        if not keep.any():
            continue
        ndotl = b.normals @ light
        ndotl = np.where(b.two_sided, np.abs(ndotl), np.maximum(ndotl, 0.0))
        shade = np.where(b.unlit, 1.0, ambient + (1.0 - ambient) * ndotl)
        colors = np.clip(b.colors * shade[:, None], 0, 255)
        depth = z.mean(axis=1)
        whole = keep & (z.min(axis=1) > NEAR)
        flat = b.group >= 0
        if flat.any():                          # cells of flat surfaces, by surface
            _collect_flat(flats, cam, cam_v, b, colors, depth, keep & flat, whole)
        keep &= ~flat
        whole &= ~flat
        idx = np.flatnonzero(whole)
        if len(idx):
            srcs.append(np.full(len(idx), len(geoms)))
            rows.append(np.arange(len(idx)))
            layers.append(b.layer[idx])
            depths.append(depth[idx])
            geoms.append(_to_fixed(cam.project(cam_v[idx])))
            cols.append(colors[idx].tolist())
        part = np.flatnonzero(keep & ~whole)
        clipped = [(i, _clip_near(cam_v[i])) for i in part]
        clipped = [(i, p) for i, p in clipped if p is not None]
        if clipped:
            idx = np.array([i for i, _ in clipped])
            srcs.append(np.full(len(idx), len(geoms)))
            rows.append(np.arange(len(idx)))
            layers.append(b.layer[idx])
            depths.append(depth[idx])
            geoms.append([_to_fixed(cam.project(p)) for _, p in clipped])
            cols.append(colors[idx].tolist())
    first_flat = len(geoms) if flats else -1
    if flats:
        srcs.append(np.full(len(flats), first_flat))
        rows.append(np.arange(len(flats)))
        layers.append(np.array([e[0] for e in flats.values()]))
        depths.append(np.array([np.mean(e[1]) for e in flats.values()]))
        geoms.append([e[2] for e in flats.values()])
        cols.append([None] * len(flats))
    first_sphere = len(geoms)
    for sp in spheres:
        cam_c = cam.to_camera(sp.centers)
        z = cam_c[:, 2]
        ok = np.flatnonzero(z > NEAR + sp.radii)
        if not len(ok):
            continue
        centers = _to_fixed(cam.project(cam_c[ok]))
        radii = np.round(cam.f * sp.radii[ok] / z[ok] * _SCALE).astype(np.int32)
        hl = _to_fixed(cam.project(cam.to_camera(
            sp.centers[ok] + 0.45 * sp.radii[ok, None] * light)))
        base = np.clip(sp.colors[ok] * (ambient + (1 - ambient) * 0.45), 0, 255).tolist()
        high = np.clip(sp.colors[ok] * (ambient + (1 - ambient) * 1.0), 0, 255).tolist()
        srcs.append(np.full(len(ok), len(geoms)))
        rows.append(np.arange(len(ok)))
        layers.append(np.full(len(ok), sp.layer))
        depths.append(z[ok])
        geoms.append([((int(c[0]), int(c[1])), int(r), (int(h[0]), int(h[1])))
                      for c, r, h in zip(centers, radii, hl)])
        cols.append(list(zip(base, high)))

    background = np.asarray(background)
    if background.ndim == 3:
        img = background.copy()
    else:
        img = np.empty((cam.height, cam.width, 3), dtype=np.uint8)
        img[:] = np.clip(background, 0, 255).astype(np.uint8)
    supersample = supersample if reduce else 1
    if not srcs:
        return _finish(img, camera, supersample)
    layers, depths = np.concatenate(layers), np.concatenate(depths)
    srcs, rows = np.concatenate(srcs).tolist(), np.concatenate(rows).tolist()
    order = np.lexsort((-depths, layers)).tolist()    # by layer, then far to near
    layers = layers.tolist()
    mask = None
    for o in order:
        layer, s, r = layers[o], srcs[o], rows[o]
        if layer == LAYER_SHADOW:
            if mask is None:
                mask = np.zeros(img.shape[:2], dtype=np.uint8)
            cv2.fillPoly(mask, [geoms[s][r]], 255, cv2.LINE_8, SHIFT)
            continue
        if mask is not None and layer > LAYER_SHADOW:
            img = _apply_shadow(img, mask, shadow_strength)
            mask = None
        if s < first_sphere and s != first_flat:
            cv2.fillPoly(img, [geoms[s][r]], cols[s][r], cv2.LINE_8, SHIFT)
        elif s == first_flat:
            for color, polys in geoms[s][r]:
                cv2.fillPoly(img, polys, color, cv2.LINE_8, SHIFT)
        else:
            center, radius, high = geoms[s][r]
            base_col, high_col = cols[s][r]
            cv2.circle(img, center, radius, base_col, -1, cv2.LINE_8, SHIFT)
            cv2.circle(img, high, radius // 2, high_col, -1, cv2.LINE_8, SHIFT)
    if mask is not None:
        img = _apply_shadow(img, mask, shadow_strength)
    return _finish(img, camera, supersample)


def _finish(img, camera, supersample):
    if supersample > 1:
        img = cv2.resize(img, (camera.width, camera.height), interpolation=cv2.INTER_AREA)
    return img


def _apply_shadow(img, mask, strength):
    dark = cv2.convertScaleAbs(img, alpha=1.0 - strength)
    return cv2.copyTo(dark, mask, img)
