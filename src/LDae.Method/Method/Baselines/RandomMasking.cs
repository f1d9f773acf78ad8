using static TorchSharp.torch;

namespace LDae.Method.Baselines;

/// <summary>
/// MAE's per-image random masking: each image keeps ⌊L·(1 − ratio)⌋ of its L patches, chosen by ranking L uniform
/// draws (a random permutation per image), so every image keeps exactly the same count and the choice is a function
/// of the generator alone.
/// </summary>
public static class RandomMasking
{
    /// <summary>Patches kept by the encoder out of <paramref name="tokens"/> at <paramref name="ratio"/> masked.</summary>
    public static int KeptCount(int tokens, double ratio)
    {
        if (!(ratio >= 0 && ratio < 1)) throw new ArgumentOutOfRangeException(nameof(ratio), $"mask ratio must be in [0, 1), got {ratio}");
        return Math.Max(1, (int)(tokens * (1 - ratio)));
    }

    /// <summary>
    /// Kept: N×K indices of the visible patches (ascending token order); Mask: N×L float, 1 where a patch is masked.
    /// </summary>
    public static (Tensor Kept, Tensor Mask) Draw(long n, int tokens, double ratio, Generator g, Device? device = null)
    {
        int keep = KeptCount(tokens, ratio);
        using var scope = NewDisposeScope();
        var noise = rand([n, tokens], generator: g, device: device);
        var kept = noise.argsort(1).narrow(1, 0, keep).sort(1).Values;
        var mask = ones([n, tokens], device: device).scatter_(1, kept, zeros([n, keep], device: device));
        return (kept.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }
}
