using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation;

static class ProbeData
{
    /// <summary>Gaussian clusters around random class centres: linearly separable for small noise.</summary>
    public static (Tensor X, Tensor Y) Clusters(int n, int features, int classes, double noise, long seed, Tensor centres)
    {
        using var g = Seeding.Generator(seed, "probe-test-data");
        var y = randint(0, classes, new long[] { n }, generator: g);
        var x = centres.index_select(0, y).add_(randn(new long[] { n, features }, generator: g).mul_(noise));
        return (x, y);
    }

    public static Tensor Centres(int features, int classes, long seed)
    {
        using var g = Seeding.Generator(seed, "probe-test-centres");
        return randn(new long[] { classes, features }, generator: g).mul_(3);
    }
}
