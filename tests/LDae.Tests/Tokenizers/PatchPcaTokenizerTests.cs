using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers;

public class PatchPcaTokenizerTests
{
    const int P = 4, C = 1, D = P * P * C, Size = 16;

    public PatchPcaTokenizerTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static Tensor Images(int count = 96, int seed = 1) => SyntheticShapes.Make(count, C, Size, seed);

    /// <summary>Mean over patches of the squared reconstruction error summed over the D values of a patch.</summary>
    static double PerPatchSquaredError(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        long patches = a.shape[0] * (a.shape[2] / P) * (a.shape[3] / P);
        return (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).square().sum().item<double>() / patches;
    }

    [Fact]
    public void The_patches_are_centred_with_their_training_mean_and_the_basis_is_that_of_their_covariance()
    {
        using var scope = NewDisposeScope();
        var x = Images();
        using var pca = PatchPcaTokenizer.Fit(x, P, 3, chunk: 40); // several chunks: the mean accumulates over them
        var patches = Patches.Patchify(x, P).reshape(-1, D).to_type(ScalarType.Float64);
        var mean = patches.mean([0]);
        Assert.True(mean.abs().max().item<double>() > 0.1, "the test data must have a mean away from 0");
        Assert.True((pca.Mean.to_type(ScalarType.Float64) - mean).abs().max().item<double>() < 1e-5);
        var centred = patches - mean;
        var cov = centred.t().mm(centred) / patches.shape[0];
        var top = linalg.eigvalsh(cov).flip(0).narrow(0, 0, D);
        Assert.True((pca.Eigenvalues.to_type(ScalarType.Float64) - top).abs().max().item<double>() < 1e-6 * top[0].item<double>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(10)]
    public void Reconstruction_error_equals_the_discarded_variance(int d)
    {
        using var scope = NewDisposeScope();
        var x = Images();
        using var pca = PatchPcaTokenizer.Fit(x, P, d);
        double error = PerPatchSquaredError(pca.Decode(pca.Encode(x)), x);
        double discarded = pca.Eigenvalues[d..].sum().item<double>();
        Assert.True(discarded > 1e-3, "the test data must have variance outside the subspace");
        Assert.InRange(error / discarded, 0.999, 1.001);
    }

    [Fact]
    public void Encode_then_decode_is_a_projection()
    {
        using var scope = NewDisposeScope();
        using var pca = PatchPcaTokenizer.Fit(Images(), P, 5, LatentScaling.Global);
        var other = Images(8, seed: 99);                         // not the fitting data
        var once = pca.Decode(pca.Encode(other));
        var twice = pca.Decode(pca.Encode(once));
        Assert.True(SyntheticShapes.MaxAbsDiff(once, twice) < 1e-5);
        Assert.True(SyntheticShapes.MaxAbsDiff(once, other) > 1e-2, "d < D must lose something");
    }

    [Fact]
    public void Keeping_all_dimensions_is_lossless()
    {
        using var scope = NewDisposeScope();
        var x = Images();
        using var pca = PatchPcaTokenizer.Fit(x, P, D);
        Assert.True(SyntheticShapes.MaxAbsDiff(pca.Decode(pca.Encode(x)), x) < 1e-4);
        Assert.Equal(1.0, pca.ExplainedVariance, 6);
    }

    [Fact]
    public void Basis_is_orthonormal_and_eigenvalues_are_sorted()
    {
        using var scope = NewDisposeScope();
        using var pca = PatchPcaTokenizer.Fit(Images(), P, 7);
        Assert.Equal(new long[] { D, 7 }, pca.Basis.shape);
        var gram = pca.Basis.t().mm(pca.Basis);
        Assert.True(SyntheticShapes.MaxAbsDiff(gram, eye(7)) < 1e-5);
        var ev = pca.Eigenvalues.data<double>().ToArray();
        Assert.Equal(D, ev.Length);
        for (int i = 1; i < ev.Length; i++) Assert.True(ev[i] <= ev[i - 1]);
        Assert.True(ev[^1] >= 0);
        Assert.Equal(ev.Take(7).Sum() / ev.Sum(), pca.ExplainedVariance, 9);
    }

    [Fact]
    public void Eigenvalues_are_the_variances_of_the_latent()
    {
        using var scope = NewDisposeScope();
        var x = Images();
        using var pca = PatchPcaTokenizer.Fit(x, P, 4);
        var z = pca.Encode(x).to_type(ScalarType.Float64);                    // N×d×h×w
        var variance = z.permute(1, 0, 2, 3).reshape(4, -1).square().mean([1]);   // centred by construction
        for (int i = 0; i < 4; i++)
            Assert.InRange(variance[i].item<double>() / pca.Eigenvalues[i].item<double>(), 0.999, 1.001);
    }

    [Fact]
    public void Scaling_gives_unit_variance_and_does_not_change_the_reconstruction()
    {
        using var scope = NewDisposeScope();
        var x = Images();
        using var raw = PatchPcaTokenizer.Fit(x, P, 5);
        using var global = PatchPcaTokenizer.Fit(x, P, 5, LatentScaling.Global);
        using var white = PatchPcaTokenizer.Fit(x, P, 5, LatentScaling.PerDimension);

        double overall = global.Encode(x).square().mean().item<float>();
        Assert.InRange(overall, 0.999, 1.001);
        var perDim = white.Encode(x).permute(1, 0, 2, 3).reshape(5, -1).square().mean([1]);
        Assert.True(SyntheticShapes.MaxAbsDiff(perDim, ones(5)) < 1e-3);
        // Global keeps the ratio between directions, whitening removes it
        var g = global.Encode(x).permute(1, 0, 2, 3).reshape(5, -1).square().mean([1]);
        Assert.True(g[0].item<float>() > 2 * g[4].item<float>());

        var reference = raw.Decode(raw.Encode(x));
        Assert.True(SyntheticShapes.MaxAbsDiff(global.Decode(global.Encode(x)), reference) < 1e-4);
        Assert.True(SyntheticShapes.MaxAbsDiff(white.Decode(white.Encode(x)), reference) < 1e-4);
    }

    [Fact]
    public void Subspace_projection_matches_encode_decode_and_splits_orthogonally()
    {
        using var scope = NewDisposeScope();
        var x = Images();
        using var pca = PatchPcaTokenizer.Fit(x, P, 5, LatentScaling.PerDimension);
        var v = Images(4, seed: 7);
        var meanImage = Patches.Unpatchify(pca.Mean.expand(4, (Size / P) * (Size / P), D), P, C, Size, Size);
        // decode(encode(v)) = μ + P Pᵀ (v − μ)
        var viaCodec = pca.Decode(pca.Encode(v)) - meanImage;
        Assert.True(SyntheticShapes.MaxAbsDiff(viaCodec, pca.ProjectToSubspace(v - meanImage)) < 1e-5);

        var inside = pca.ProjectToSubspace(v);
        var outside = pca.Residual(v);
        Assert.True(SyntheticShapes.MaxAbsDiff(inside + outside, v) < 1e-6);
        Assert.True(SyntheticShapes.MaxAbsDiff(pca.ProjectToSubspace(inside), inside) < 1e-5);
        double dot = (Patches.Patchify(inside, P) * Patches.Patchify(outside, P)).sum(-1).abs().max().item<float>();
        Assert.True(dot < 1e-5);
        // tokens N×L×D are accepted too
        Assert.True(SyntheticShapes.MaxAbsDiff(pca.ProjectToSubspace(Patches.Patchify(v, P)), Patches.Patchify(inside, P)) < 1e-6);
    }

    [Fact]
    public void Save_and_load_round_trip()
    {
        using var scope = NewDisposeScope();
        var x = Images(32);
        using var pca = PatchPcaTokenizer.Fit(x, P, 3, LatentScaling.Global);
        var path = Path.Combine(Path.GetTempPath(), $"ldae-pca-{Guid.NewGuid():N}.bin");
        try
        {
            pca.Save(path);
            using var loaded = PatchPcaTokenizer.Load(path);
            Assert.Equal((pca.Kind, pca.Patch, pca.LatentDim, pca.ImageChannels, pca.Scaling),
                (loaded.Kind, loaded.Patch, loaded.LatentDim, loaded.ImageChannels, loaded.Scaling));
            Assert.True(TensorAssert.Identical(loaded.Eigenvalues, pca.Eigenvalues));
            Assert.True(TensorAssert.Identical(loaded.Encode(x), pca.Encode(x)));
            File.WriteAllText(path, "not a pca");
            Assert.ThrowsAny<Exception>(() => PatchPcaTokenizer.Load(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Fitting_is_deterministic_and_validates_its_arguments()
    {
        using var scope = NewDisposeScope();
        var x = Images(48);
        using var a = PatchPcaTokenizer.Fit(x, P, 4);
        using var b = PatchPcaTokenizer.Fit(x, P, 4, chunk: 7);   // a different chunking of the covariance sum
        Assert.True(SyntheticShapes.MaxAbsDiff(a.Basis, b.Basis) < 1e-5);
        Assert.Throws<ArgumentOutOfRangeException>(() => PatchPcaTokenizer.Fit(x, P, D + 1));
        Assert.Throws<ArgumentException>(() => a.Encode(zeros(1, 3, Size, Size)));
    }

    [Fact]
    public void A_colour_patch_has_p_squared_times_C_values_and_every_value_enters_the_fit()
    {
        using var scope = NewDisposeScope();
        var rgb = SyntheticShapes.Make(32, 3, Size, seed: 2);
        using var pca = PatchPcaTokenizer.Fit(rgb, P, 3 * D);           // d = D·3 is allowed: all of a colour patch
        Assert.Equal(P * P * 3, pca.PatchDim);
        Assert.Equal(new long[] { P * P * 3, P * P * 3 }, pca.Basis.shape);
        Assert.True(SyntheticShapes.MaxAbsDiff(pca.Decode(pca.Encode(rgb)), rgb) < 1e-4);   // lossless at d = D
    }

    [Fact]
    public void Images_of_the_wrong_rank_or_a_side_not_divisible_by_the_patch_are_refused()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("N×C×H×W", Assert.Throws<ArgumentException>(() => PatchPcaTokenizer.Fit(zeros(4, Size, Size), P, 2)).Message);
        using var pca = PatchPcaTokenizer.Fit(Images(16), P, 4);
        foreach (var (h, w) in new[] { (Size, Size + 2), (Size + 2, Size) })   // either side alone is enough
            Assert.Contains("not divisible", Assert.Throws<ArgumentException>(() => pca.ProjectToSubspace(zeros(1, C, h, w))).Message);
    }
}

