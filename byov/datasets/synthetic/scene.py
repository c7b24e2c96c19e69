"""One video's world: where things stand, what they look like, and its geometry per frame.

Every video draws its own scene (:func:`sample_scene`): table, room, actor build, cup and
bowl sizes and places, colours and textures, distractor objects, light, camera-sensor
settings, and whether the whole scene is mirrored (the action done left-handed). Nothing
is shared between videos, so an ego video and an exo video never show the same take.
"""
import colorsys
from dataclasses import dataclass, field

import cv2
import numpy as np

from .action import ActionState
from .renderer import (LAYER_DECOR, LAYER_ROOM, LAYER_SHADOW, LAYER_TABLE, LAYER_UNDER,
                       Spheres, billboard, box, cylinder, disc, grid, mirror_batches,
                       merge, mirror_x, pack)

UP = np.array([0.0, 0.0, 1.0])
LIQUIDS = np.array([[238, 236, 228], [120, 170, 235], [245, 150, 35],
                    [110, 66, 38], [200, 120, 50], [200, 40, 70]], dtype=np.float64)
SKIN = np.array([[255, 219, 172], [241, 194, 125], [224, 172, 105], [198, 134, 66],
                 [141, 85, 36], [95, 60, 40]], dtype=np.float64)


def hsv(h, s, v):
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v)) * 255.0


def random_color(rng, s=(0.3, 0.9), v=(0.35, 0.95)):
    return hsv(rng.uniform(), rng.uniform(*s), rng.uniform(*v))


def texture(rng, n1, n2, c1, c2, kind=None):
    """Cell colours [n1, n2, 3] for a plain, striped or checkered surface."""
    kind = kind or rng.choice(['plain', 'stripes', 'checker'])
    i, j = np.meshgrid(np.arange(n1), np.arange(n2), indexing='ij')
    if kind == 'plain':
        pick = np.zeros((n1, n2), dtype=bool)
    elif kind == 'stripes':
        pick = ((i if rng.random() < 0.5 else j) % 2).astype(bool)
    else:
        pick = ((i + j) % 2).astype(bool)
    return np.where(pick[..., None], c2, c1)


@dataclass(frozen=True)
class ActionGeometry:
    """Where the action happens (canonical coordinates: right hand, cup right of the bowl)."""
    cup_start: np.ndarray
    cup_end: np.ndarray
    cup_radius: float
    cup_height: float
    palm_radius: float
    palm_rest: np.ndarray
    grasp_palm: np.ndarray
    approach: np.ndarray
    bowl_center: np.ndarray
    bowl_radius: float
    bowl_height: float
    pour_center: np.ndarray
    pour_angle: float
    to_bowl: np.ndarray
    tilt_axis: np.ndarray

    @property
    def bowl_top(self):
        return self.bowl_center + UP * self.bowl_height


@dataclass
class Scene:
    """Everything drawn for one video (see :func:`sample_scene`)."""
    geo: ActionGeometry
    mirror: int
    table_half: np.ndarray
    table_height: float
    body_x: float
    actor_y: float
    shoulder_z: float
    shoulder_half: float
    upper_len: float
    fore_len: float
    arm_radius: float
    head_radius: float
    left_palm: np.ndarray
    colors: dict
    cup_stripes: int
    light: np.ndarray = None
    ambient: float = 0.5
    sensor: dict = None
    distractors: list = field(default_factory=list)
    # static geometry packed per view (the wearer's own body is left out of the ego view):
    # view -> {'background': layers up to the shadows, 'foreground': the rest, 'all'}
    static_faces: dict = field(default_factory=dict)
    static_spheres: dict = field(default_factory=dict)   # view -> list of Spheres

    @property
    def head_center(self):
        return np.array([self.body_x, self.actor_y, self.shoulder_z + 0.14])

    @property
    def eye(self):
        """Eye position of the actor (world, mirrored)."""
        head = self.head_center + np.array([0.0, 0.9 * self.head_radius, 0.01])
        return head * np.array([self.mirror, 1.0, 1.0])

    @property
    def action_center(self):
        g = self.geo
        c = (g.cup_start + g.bowl_center) / 2 + UP * 0.08
        return c * np.array([self.mirror, 1.0, 1.0])

    def summary(self):
        """A few of the scene's parameters, JSON-ready (for the metadata file)."""
        g = self.geo
        return dict(mirror=self.mirror,
                    cup_start=np.round(g.cup_start, 4).tolist(),
                    bowl_center=np.round(g.bowl_center, 4).tolist(),
                    cup_color=np.round(self.colors['cup']).astype(int).tolist(),
                    table_color=np.round(self.colors['table']).astype(int).tolist(),
                    num_distractors=len(self.distractors))


def _sample_geometry(rng, table_half, body_x, actor_y):
    cup_radius, cup_height = rng.uniform(0.035, 0.05), rng.uniform(0.09, 0.13)
    palm_radius = rng.uniform(0.03, 0.038)
    cup_start = np.array([body_x + rng.uniform(0.1, 0.28), actor_y + rng.uniform(0.3, 0.42), 0])
    bowl_radius, bowl_height = rng.uniform(0.065, 0.095), rng.uniform(0.06, 0.1)
    bowl_center = cup_start + np.array([-rng.uniform(0.22, 0.34), rng.uniform(-0.02, 0.12), 0])
    to_bowl = bowl_center - cup_start
    to_bowl = to_bowl / np.linalg.norm(to_bowl)
    pour_center = (bowl_center - to_bowl * (0.25 * bowl_radius + 0.5 * cup_height)
                   + UP * (bowl_height + cup_radius + 0.045))
    palm_rest = np.array([cup_start[0] + rng.uniform(0.0, 0.1),
                          -table_half[1] + rng.uniform(0.05, 0.1), palm_radius])
    approach = cup_start - palm_rest
    approach[2] = 0.0
    approach = approach / np.linalg.norm(approach)
    grasp_palm = (cup_start + UP * cup_height * 0.45
                  - approach * (cup_radius + 0.85 * palm_radius))
    cup_end = cup_start + np.array([rng.uniform(-0.03, 0.06), rng.uniform(-0.03, 0.05), 0])
    return ActionGeometry(
        cup_start=cup_start, cup_end=cup_end, cup_radius=cup_radius, cup_height=cup_height,
        palm_radius=palm_radius, palm_rest=palm_rest, grasp_palm=grasp_palm,
        approach=approach, bowl_center=bowl_center, bowl_radius=bowl_radius,
        bowl_height=bowl_height, pour_center=pour_center,
        pour_angle=np.deg2rad(rng.uniform(95.0, 125.0)), to_bowl=to_bowl,
        tilt_axis=np.cross(UP, to_bowl))


def sample_scene(rng):
    """Draw a random scene: layout, actor, appearance, distractors, light and sensor."""
    table_half = np.array([rng.uniform(0.45, 0.65), rng.uniform(0.3, 0.42)])
    body_x = rng.uniform(-0.05, 0.12)
    actor_y = -table_half[1] - rng.uniform(0.1, 0.18)
    geo = _sample_geometry(rng, table_half, body_x, actor_y)
    cup = random_color(rng, v=(0.5, 1.0))
    bowl = random_color(rng)
    colors = dict(
        cup=cup, cup2=random_color(rng, v=(0.6, 1.0)), cup_inside=cup * 0.4,
        bowl=bowl, bowl2=random_color(rng), bowl_inside=bowl * 0.4,
        liquid=LIQUIDS[rng.integers(len(LIQUIDS))],
        table=random_color(rng, s=(0.1, 0.6), v=(0.35, 0.9)),
        table2=random_color(rng, s=(0.1, 0.6), v=(0.35, 0.9)),
        floor=random_color(rng, s=(0.05, 0.5), v=(0.2, 0.6)),
        floor2=random_color(rng, s=(0.05, 0.5), v=(0.2, 0.6)),
        wall=random_color(rng, s=(0.03, 0.35), v=(0.55, 0.95)),
        poster=random_color(rng),
        skin=SKIN[rng.integers(len(SKIN))] * rng.uniform(0.9, 1.05),
        sleeve=random_color(rng), shirt=random_color(rng), pants=random_color(rng, v=(0.15, 0.5)),
        hair=random_color(rng, s=(0.2, 0.7), v=(0.05, 0.45)),
        legs=random_color(rng, s=(0.0, 0.5), v=(0.15, 0.6)),
    )
    light = np.array([rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(0.6, 1.6)])
    sensor = dict(brightness=rng.uniform(0.7, 1.25), cast=rng.uniform(0.88, 1.12, 3),
                  gamma=rng.uniform(0.85, 1.15), noise=rng.uniform(1.5, 6.0))
    scene = Scene(
        geo=geo, mirror=int(rng.choice([-1, 1])), table_half=table_half,
        table_height=rng.uniform(0.72, 0.8), body_x=body_x, actor_y=actor_y,
        shoulder_z=rng.uniform(0.4, 0.48), shoulder_half=rng.uniform(0.16, 0.2),
        upper_len=rng.uniform(0.28, 0.32), fore_len=rng.uniform(0.3, 0.34),
        arm_radius=rng.uniform(0.028, 0.036), head_radius=rng.uniform(0.085, 0.1),
        left_palm=np.array([body_x - rng.uniform(0.12, 0.25),
                            -table_half[1] + rng.uniform(0.04, 0.12), geo.palm_radius]),
        colors=colors, cup_stripes=int(rng.choice([0, 0, 4, 6])),
        light=light / np.linalg.norm(light), ambient=rng.uniform(0.35, 0.6), sensor=sensor)
    scene.distractors = _sample_distractors(rng, scene)
    _build_static(rng, scene)
    return scene


def _sample_distractors(rng, scene):
    """0-3 unrelated objects on the table, away from where the action happens."""
    g = scene.geo
    busy = [g.cup_start, g.cup_end, g.bowl_center, g.palm_rest, g.pour_center * [1, 1, 0],
            scene.left_palm * [1, 1, 0], (g.cup_start + g.pour_center) / 2 * [1, 1, 0]]
    out = []
    for _ in range(int(rng.integers(0, 4))):
        for _try in range(20):
            p = np.array([rng.uniform(-1, 1) * (scene.table_half[0] - 0.06),
                          rng.uniform(-1, 1) * (scene.table_half[1] - 0.06), 0.0])
            if all(np.linalg.norm(p - b) > 0.16 for b in busy):
                size = rng.uniform(0.025, 0.07, 3)
                out.append(dict(kind=str(rng.choice(['box', 'cylinder', 'sphere'])),
                                pos=p, size=size, yaw=rng.uniform(0, np.pi),
                                color=random_color(rng)))
                busy.append(p)
                break
    return out


def _build_static(rng, scene):
    """The geometry that does not move: room, table, actor's body, bowl, distractors."""
    c = scene.colors
    tx, ty = scene.table_half
    th = scene.table_height
    faces, spheres = [], []
    # room: floor, four walls, ceiling, a poster; all seen from inside
    rx, ry = rng.uniform(1.8, 3.2, 2)
    off = rng.uniform(-0.6, 0.6, 2)
    x0, x1, y0, y1 = off[0] - rx, off[0] + rx, off[1] - ry, off[1] + ry
    z0, z1 = -th, 2.4
    n = int(rng.integers(4, 9))
    faces.append(grid([x0, y0, z0], np.array([2 * rx, 0, 0]), np.array([0, 2 * ry, 0]),
                      texture(rng, n, n, c['floor'], c['floor2'], rng.choice(['plain', 'checker'])),
                      LAYER_ROOM))
    walls = [([x0, y0, z0], [0, 2 * ry, 0], [0, 0, z1 - z0]),
             ([x1, y1, z0], [0, -2 * ry, 0], [0, 0, z1 - z0]),
             ([x1, y0, z0], [-2 * rx, 0, 0], [0, 0, z1 - z0]),
             ([x0, y1, z0], [2 * rx, 0, 0], [0, 0, z1 - z0])]
    for k, (corner, e1, e2) in enumerate(walls):
        shade = 1.0 - 0.08 * k
        faces.append(grid(corner, np.array(e1, float), np.array(e2, float),
                          (c['wall'] * shade)[None, None], LAYER_ROOM))
    faces.append(grid([x0, y1, z1], np.array([2 * rx, 0, 0.0]), np.array([0, -2 * ry, 0.0]),
                      (c['wall'] * 1.05)[None, None], LAYER_ROOM))
    corner, e1, e2 = walls[int(rng.integers(4))]
    e1, e2 = np.array(e1, float), np.array(e2, float)
    a, b = rng.uniform(0.1, 0.6), rng.uniform(0.25, 0.5)
    poster = grid(np.asarray(corner) + a * e1 + 0.5 * e2, e1 * rng.uniform(0.15, 0.3),
                  e2 * rng.uniform(0.15, 0.25),
                  texture(rng, 3, 3, c['poster'], random_color(rng)), LAYER_DECOR)
    poster.verts = poster.verts + np.cross(e1, e2) / np.linalg.norm(np.cross(e1, e2)) * 0.01
    faces.append(poster)
    # table: textured top, edges, legs
    nx = int(rng.integers(5, 11))
    ny = max(2, int(round(nx * ty / tx)))
    faces.append(grid([-tx, -ty, 0], np.array([2 * tx, 0, 0]), np.array([0, 2 * ty, 0]),
                      texture(rng, nx, ny, c['table'], c['table2']), LAYER_TABLE))
    slab = box([0, 0, -0.02], [tx, ty, 0.02], c['table'] * 0.8, layer=LAYER_UNDER)
    slab.verts, slab.normals, slab.colors = slab.verts[:5], slab.normals[:5], slab.colors[:5]
    faces.append(slab)
    for sx in (-1, 1):
        for sy in (-1, 1):
            faces.append(box([sx * (tx - 0.05), sy * (ty - 0.05), -th / 2 - 0.02],
                             [0.025, 0.025, th / 2 - 0.02], c['legs'], layer=LAYER_UNDER))
    # actor: legs under the table, torso, shoulders, head with hair (exo only)
    bx, ay, sz, sw = scene.body_x, scene.actor_y, scene.shoulder_z, scene.shoulder_half
    body = [box([bx, ay, sz / 2], [sw, 0.1, sz / 2 + 0.02], c['shirt'])]
    for sx in (-1, 1):
        body.append(box([bx + sx * 0.08, ay, -th / 2], [0.06, 0.07, th / 2], c['pants'],
                        layer=LAYER_UNDER))
    body_spheres = [Spheres(np.array([[bx - sw + 0.03, ay, sz], [bx + sw - 0.03, ay, sz],
                                      scene.head_center,
                                      scene.head_center + [0, -0.02, 0.04]]),
                            np.array([0.06, 0.06, scene.head_radius, scene.head_radius * 0.9]),
                            np.array([c['shirt'], c['shirt'], c['skin'], c['hair']]))]
    # bowl body (its top, showing the liquid level, is drawn per frame)
    g = scene.geo
    stripes = int(rng.choice([0, 0, 8]))
    bowl_cols = np.array([c['bowl2'] if stripes and (k // 2) % 2 else c['bowl'] for k in range(16)])
    faces += cylinder(g.bowl_center, g.bowl_top, g.bowl_radius, bowl_cols, n=16,
                      caps=(False, False))
    faces.append(disc(g.bowl_center + [0.01, 0.01, 0.001], g.bowl_radius * 1.1, (0, 0, 0)))
    # distractors and their shadows
    for d in scene.distractors:
        p, s, col = d['pos'], d['size'], d['color']
        if d['kind'] == 'box':
            cz, sz_ = np.cos(d['yaw']), np.sin(d['yaw'])
            rot = np.array([[cz, -sz_, 0], [sz_, cz, 0], [0, 0, 1.0]])
            faces.append(box(p + UP * s[2], s, col, rot=rot))
        elif d['kind'] == 'cylinder':
            faces += cylinder(p, p + UP * 2 * s[2], s[0], col, n=10)
        else:
            body_spheres.append(Spheres(np.array([p + UP * s[0]]), np.array([s[0]]),
                                        np.array([col])))
        faces.append(disc(p + [0.01, 0.01, 0.001], max(s[0], s[1]) * 1.2, (0, 0, 0)))
    m = scene.mirror
    for view, fs in (('ego', faces), ('exo', faces + body)):
        fs = [mirror_x(f, m) for f in fs]
        back = [f for f in fs if f.layer <= LAYER_SHADOW]
        fore = [f for f in fs if f.layer > LAYER_SHADOW]
        scene.static_faces[view] = dict(background=pack(back), foreground=pack(fore),
                                        all=pack(fs))
    scene.static_spheres = dict(ego=[], exo=[mirror_x(s, m) for s in body_spheres])


def elbow_position(shoulder, hand, upper, fore, pole):
    """Two-link inverse kinematics: the elbow bends towards ``pole``."""
    d = hand - shoulder
    dist = np.linalg.norm(d)
    u = d / dist
    reach = np.clip(dist, abs(upper - fore) + 1e-3, upper + fore - 1e-3)
    cos_a = np.clip((upper ** 2 + reach ** 2 - fore ** 2) / (2 * upper * reach), -1.0, 1.0)
    p = pole - np.dot(pole, u) * u
    p = p / np.linalg.norm(p)
    return shoulder + upper * (cos_a * u + np.sqrt(1.0 - cos_a ** 2) * p)


def _arm(scene, shoulder, palm, fingers, side):
    c = scene.colors
    elbow = elbow_position(shoulder, palm, scene.upper_len, scene.fore_len,
                           np.array([0.8 * side, -0.4, -1.0]))
    wrist = palm + (elbow - palm) / np.linalg.norm(elbow - palm) * scene.geo.palm_radius
    faces = cylinder(shoulder, elbow, scene.arm_radius, c['sleeve'], n=8, caps=(False, False))
    faces += cylinder(elbow, wrist, scene.arm_radius * 0.8, c['sleeve'] * 0.95, n=8,
                      caps=(False, False))
    centers = [elbow, palm] + list(fingers)
    radii = [scene.arm_radius * 0.95, scene.geo.palm_radius] + [0.011] * len(fingers)
    colors = [c['sleeve'], c['skin']] + [c['skin'] * 0.93] * len(fingers)
    return faces, Spheres(np.array(centers), np.array(radii), np.array(colors))


def _shadow(point, light, radius):
    """Blob shadow of ``point`` cast along the light onto the table."""
    foot = point - light * (point[2] / max(light[2], 0.3))
    return disc(foot + [0, 0, 0.001], radius * (1.0 + 1.5 * point[2]), (0, 0, 0),
                squash=(1.0, 1.0))


def frame_geometry(scene, state: ActionState, fidget, left_fidget, view, eye,
                   background=True):
    """World geometry of one frame: (packed faces, spheres), mirrored as the scene says.

    ``fidget``/``left_fidget`` are small offsets of the free hands; ``view`` 'ego' leaves
    out the wearer's own head and torso (the camera sits in the head); ``eye`` is the
    camera position, used to turn the liquid stream towards it. ``background=False``
    leaves out the static layers up to the shadows (see ``Scene.static_faces``).
    """
    g, c = scene.geo, scene.colors
    m = scene.mirror
    faces, spheres = [], []
    # cup, striped or plain, with its top showing the liquid (or the inside when empty)
    half = state.cup_rot @ (UP * g.cup_height / 2)
    basis = (state.cup_rot[:, 0], state.cup_rot[:, 1], state.cup_rot[:, 2])
    n = 12
    cols = (np.array([c['cup2'] if (k * scene.cup_stripes // n) % 2 else c['cup']
                      for k in range(n)]) if scene.cup_stripes else c['cup'])
    top = c['liquid'] if state.cup_fill > 0.1 else c['cup_inside']
    faces += cylinder(state.cup_center - half, state.cup_center + half, g.cup_radius, cols,
                      cap_colors=(c['cup'] * 0.9, top), n=n, basis=basis)
    bowl_top = c['bowl_inside'] * (1 - state.bowl_fill) + c['liquid'] * state.bowl_fill
    top_radius = g.bowl_radius * 0.92
    faces.append(cylinder(g.bowl_center, g.bowl_top - UP * 0.004, top_radius, bowl_top,
                          cap_colors=(bowl_top, bowl_top), n=16, caps=(False, True))[1])
    palm = state.palm + fidget
    fingers = state.fingers + fidget
    sz, sw, bx, ay = scene.shoulder_z, scene.shoulder_half, scene.body_x, scene.actor_y
    f_arm, s_arm = _arm(scene, np.array([bx + sw - 0.03, ay, sz]), palm, fingers, 1.0)
    faces += f_arm
    spheres.append(mirror_x(s_arm, m))
    left = scene.left_palm + left_fidget
    f_arm, s_arm = _arm(scene, np.array([bx - sw + 0.03, ay, sz]), left, [], -1.0)
    faces += f_arm
    spheres.append(mirror_x(s_arm, m))
    # blob shadows of the cup and the hands
    light = scene.light * [m, 1, 1]
    faces.append(_shadow(state.cup_center - UP * g.cup_height / 2, light, g.cup_radius * 1.1))
    faces.append(_shadow(palm - UP * g.palm_radius, light, g.palm_radius))
    faces.append(_shadow(left - UP * g.palm_radius, light, g.palm_radius))
    if state.stream:     # a strip turned towards the camera
        surface = state.lip.copy()
        surface[2] = g.bowl_top[2] - 0.01
        faces.append(billboard(state.lip, surface, 0.014, c['liquid'], eye * [m, 1, 1]))
    static = scene.static_faces[view]['all' if background else 'foreground']
    return merge(static, mirror_batches(pack(faces), m)), scene.static_spheres[view] + spheres


class Sensor:
    """Camera sensor of one video: exposure, colour cast, gamma and Gaussian noise.

    The noise of each frame is a randomly placed window of a noise field drawn once per
    video (four times the frame's area), which costs far less than fresh noise per frame.
    """

    def __init__(self, params, rng, height, width):
        self.params = params
        self.height, self.width = height, width
        self.field = np.round(rng.standard_normal((2 * height, 2 * width, 3)) *
                              params['noise']).astype(np.int16)

    def __call__(self, img, rng, gain=1.0):
        """RGB uint8 in, RGB uint8 out."""
        p = self.params
        v = np.arange(256.0)[:, None] * (p['brightness'] * gain) * p['cast'][None]
        lut = np.round(255.0 * (np.clip(v, 0, 255) / 255.0) ** p['gamma']).astype(np.uint8)
        y, x = rng.integers(0, self.height), rng.integers(0, self.width)
        noise = self.field[y:y + self.height, x:x + self.width]
        out = cv2.LUT(img, lut[None]).astype(np.int16) + noise
        return np.clip(out, 0, 255).astype(np.uint8)
