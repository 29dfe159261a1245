/* SPDX-License-Identifier: GPL-2.0 */
/* Every check, one line each: CHECK(name) for `struct fl_check check_name`. */
CHECK(trunc_fault_shared)
CHECK(hole_first_touch)
CHECK(eof_boundary)
CHECK(punch_fault_zero)
CHECK(dio_then_mmap_visible)
CHECK(invalidator_liveness)
CHECK(trunc_cow_private)
CHECK(cow_survives_invalidate)
CHECK(dangling_page)
CHECK(remote_coherence)
CHECK(cow_survives_remote)
