"""Street lines for the map's base from address points (analytics.basemap)."""

from __future__ import annotations

import numpy as np
import shapely

from veerkracht.analytics.basemap import label_points, street_lines


def _two_sided(x0: float, y0: float, n: int, *, angle: float = 0.0,
               width: float = 20.0, step: float = 12.0):
    """Houses on both sides of a straight street: odd left, even right."""
    t = np.arange(n) * step
    d = np.array([np.cos(angle), np.sin(angle)])
    normal = np.array([-d[1], d[0]])
    odd = np.array([x0, y0]) + t[:, None] * d + normal * width / 2
    even = np.array([x0, y0]) + (t[:, None] + step / 2) * d - normal * width / 2
    xy = np.vstack([odd, even])
    numbers = np.concatenate([np.arange(n) * 2 + 1, np.arange(n) * 2 + 2])
    return xy, numbers


def test_a_two_sided_street_is_drawn_down_its_middle():
    xy, numbers = _two_sided(0, 0, 12)
    keys, lines = street_lines(xy[:, 0], xy[:, 1], np.array(["Bosweg"] * len(xy)),
                               numbers)
    assert keys.tolist() == ["Bosweg"]
    line = lines[0]
    assert line.geom_type == "LineString"
    coords = shapely.get_coordinates(line)
    assert np.abs(coords[:, 1]).max() < 3.0  # near the middle, not on a side
    assert line.length > 0.8 * 11 * 12  # along the whole street


def test_flats_of_one_number_collapse_and_a_far_piece_stays_apart():
    xy, numbers = _two_sided(0, 0, 6)
    # twelve flats at number 1 (same point), and the same name 2 km away
    flats = np.repeat(xy[:1], 12, axis=0)
    far, far_numbers = _two_sided(2000, 0, 6)
    allxy = np.vstack([xy, flats, far])
    allnum = np.concatenate([numbers, np.ones(12, int), far_numbers + 100])
    keys, lines = street_lines(allxy[:, 0], allxy[:, 1],
                               np.array(["Dorpsstraat"] * len(allxy)), allnum)
    assert keys.tolist() == ["Dorpsstraat"]
    assert lines[0].geom_type == "MultiLineString"  # two pieces, no 2 km link
    assert max(g.length for g in lines[0].geoms) < 200


def test_two_streets_never_join_and_a_single_house_has_no_line():
    a, na = _two_sided(0, 0, 8)
    b, nb = _two_sided(0, 40, 8)  # a parallel street 40 m away
    xy = np.vstack([a, b, [[500.0, 500.0]]])
    street = np.array(["A"] * len(a) + ["B"] * len(b) + ["Hofje"], dtype=object)
    keys, lines = street_lines(xy[:, 0], xy[:, 1], street,
                               np.concatenate([na, nb, [1]]))
    assert keys.tolist() == ["A", "B"]
    assert not lines[0].intersects(lines[1])
    assert shapely.get_coordinates(lines[1])[:, 1].min() > 30


def test_a_bend_is_followed_and_labels_stand_upright():
    first, n1 = _two_sided(0, 0, 8)
    second, n2 = _two_sided(first[7, 0] + 10, first[7, 1], 8, angle=np.pi / 2)
    xy = np.vstack([first, second])
    keys, lines = street_lines(xy[:, 0], xy[:, 1], np.array(["Bocht"] * len(xy)),
                               np.concatenate([n1, n2 + 16]))
    line = lines[0]
    assert line.geom_type == "LineString"
    minx, miny, maxx, maxy = line.bounds
    assert maxx - minx > 60 and maxy - miny > 60  # both legs of the bend
    points, angles = label_points(np.array([
        shapely.LineString([(0, 0), (10, 10)]),
        shapely.LineString([(10, 10), (0, 0)]),  # drawn the other way
        shapely.LineString([(0, 10), (0, 0)]),
    ]))
    assert angles.round(1).tolist() == [45.0, 45.0, 90.0]
    assert all(-90 <= a <= 90 for a in angles)


def test_nothing_in_nothing_out():
    keys, lines = street_lines(np.array([]), np.array([]), np.array([]),
                               np.array([]))
    assert len(keys) == 0 and len(lines) == 0
