//! Permalinks (being written).
