using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// Truncated-normal initialisation drawn from an explicit generator. Needed because in TorchSharp 0.107
/// <c>nn.init.trunc_normal_</c> is broken (it fills the tensor with the constant <c>std</c>), and the
/// <c>nn.init.*</c> functions ignore their <c>generator</c> argument (they use the global RNG).
/// </summary>
public static class TruncatedNormal
{
    /// <summary>
    /// Fills <paramref name="tensor"/> in place with N(mean, std²) restricted to [a, b] (absolute bounds, as in
    /// PyTorch/timm), by redrawing out-of-range entries until none is left.
    /// </summary>
    public static Tensor Fill_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2, Generator? generator = null)
    {
        if (!(a < b)) throw new ArgumentException("need a < b");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = randn(tensor.shape, dtype: tensor.dtype, generator: generator).mul_(std).add_(mean);
        for (int round = 0; ; round++)
        {
            var outside = x.lt(a).logical_or_(x.gt(b));
            if (!outside.any().item<bool>()) break;
            if (round > 1000) throw new InvalidOperationException($"[{a}, {b}] holds almost no mass of N({mean}, {std}²)");
            x = where(outside, randn(tensor.shape, dtype: tensor.dtype, generator: generator).mul_(std).add_(mean), x);
        }
        tensor.copy_(x);
        return tensor;
    }
}
