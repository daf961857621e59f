"""The shared plan builder: named slices of flat buffers, the row table."""

import numpy as np

from scatterwave.core.buffers import FlatBuffer, LowPass, PlanBuilder, Slice


def test_slice_takes_its_view_with_its_shape():
    buffers = {"w": np.arange(12.0)}
    s = Slice("w", 2, (2, 3))
    assert s.size == 6 and s.stop == 8
    np.testing.assert_array_equal(s.take(buffers, np), np.arange(2.0, 8.0).reshape(2, 3))
    np.testing.assert_array_equal(Slice("w", 10, (2,)).take(buffers, np), [10.0, 11.0])


def test_flat_buffer_shares_keyed_parts_and_assembles_once():
    buf = FlatBuffer()
    a = buf.add(np.ones(3), key="a")
    b = buf.add(np.zeros((2, 2)))
    assert (a, b) == (0, 3)
    assert buf.add(np.full(3, 7.0), key="a") == 0  # the keyed copy is reused
    np.testing.assert_array_equal(buf.part(3), np.zeros(4))
    out = buf.array()
    np.testing.assert_array_equal(out, [1, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(buf.array(), out)


def test_builder_slices_and_index_buffer():
    builder = PlanBuilder(("phi_f", "index"), ("order",))
    lp = LowPass(builder.add("phi_f", np.linspace(0, 1, 5)), k_avg=2)
    idx = builder.add("index", np.array([[3, 1], [2, 0]]))
    assert lp.n_bins == 5 and idx.shape == (2, 2)
    np.testing.assert_array_equal(builder.view(idx), [[3, 1], [2, 0]])
    assert list(builder.rows.add(order=[0, 1, 1])) == [0, 1, 2]
    buffers = builder.finish()
    assert buffers["index"].dtype == np.int64
    np.testing.assert_array_equal(idx.take(buffers, np), [[3, 1], [2, 0]])
