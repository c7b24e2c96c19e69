"""RoIAlign (Mask R-CNN's region pooling) in plain torch ops, for the object-centric
encoder (torchvision is not a dependency of byov)."""
import torch
import torch.nn.functional as F


def roi_align(features: torch.Tensor, boxes: torch.Tensor, output_size: int,
              sampling_ratio: int = 2, aligned: bool = False) -> torch.Tensor:
    """Average of bilinear samples in each bin of each box, as
    ``torchvision.ops.roi_align`` with a fixed ``sampling_ratio``.

    Args:
        features: ``[M, C, H, W]``.
        boxes: ``[M, K, 4]``: K boxes ``x1, y1, x2, y2`` per feature map, in the map's
            pixel coordinates (multiply image coordinates by the map's scale first).
        output_size: P, bins per side.
        sampling_ratio: s, samples per bin and side (s x s averaged per bin).
        aligned: False (torchvision's default, used by AE2): a box is at least 1 pixel
            wide and high; True shifts the box by half a pixel and drops that minimum.

    Returns:
        ``[M, K, C, P, P]``. A sample further than one pixel outside the map counts as 0;
        one within a pixel of the border takes the border's value.
    """
    if sampling_ratio < 1:
        raise ValueError(f'roi_align: sampling_ratio must be >= 1, got {sampling_ratio} '
                         "(torchvision's adaptive -1 is not supported).")
    M, C, H, W = features.shape
    K = boxes.shape[1]
    offset = 0.5 if aligned else 0.0
    x1, y1 = boxes[..., 0] - offset, boxes[..., 1] - offset
    roi_w = boxes[..., 2] - boxes[..., 0]
    roi_h = boxes[..., 3] - boxes[..., 1]
    if not aligned:
        roi_w, roi_h = roi_w.clamp(min=1.0), roi_h.clamp(min=1.0)
    P, s = output_size, sampling_ratio
    # positions of the P*s samples along a side, as fractions of the box
    steps = (torch.arange(P * s, device=features.device, dtype=features.dtype) + 0.5) / (P * s)
    xs = x1[..., None] + roi_w[..., None] * steps  # [M, K, P*s]
    ys = y1[..., None] + roi_h[..., None] * steps
    valid = (((xs >= -1) & (xs <= W))[..., None, :] &
             ((ys >= -1) & (ys <= H))[..., :, None])  # [M, K, P*s (y), P*s (x)]
    # border padding with align_corners=True clamps to [0, W-1]: torchvision's rule
    gx = xs / max(W - 1, 1) * 2 - 1
    gy = ys / max(H - 1, 1) * 2 - 1
    grid = torch.stack(torch.broadcast_tensors(gx[..., None, :], gy[..., :, None]), dim=-1)
    grid = grid.reshape(M, K * P * s, P * s, 2)
    samples = F.grid_sample(features, grid, mode='bilinear', padding_mode='border',
                            align_corners=True)  # [M, C, K*P*s, P*s]
    samples = samples.reshape(M, C, K, P * s, P * s).permute(0, 2, 1, 3, 4)
    samples = samples * valid[:, :, None].to(samples.dtype)
    return samples.reshape(M, K, C, P, s, P, s).mean(dim=(4, 6))
