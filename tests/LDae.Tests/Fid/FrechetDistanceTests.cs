using LDae.Evaluation.Generation;
using LDae.Runtime;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Fid;

public class FrechetDistanceTests
{
    readonly bool loaded = Load();
    static bool Load() { TorchRuntime.EnsureLoaded(threads: 1); return true; }

    static FeatureMoments Gaussian(double[] mean, double[,] cov) => new(mean, cov, 1000);

    [Fact]
    public void One_dimensional_gaussians_give_the_closed_form()
    {
        // FD = (μ₁ − μ₂)² + (σ₁ − σ₂)²: (1 − 3)² + (2 − 0.5)² = 4 + 2.25
        double fd = FrechetDistance.Of(Gaussian([1.0], new double[,] { { 4.0 } }), Gaussian([3.0], new double[,] { { 0.25 } }));
        Assert.Equal(6.25, fd, 10);
    }

    [Fact]
    public void Diagonal_gaussians_give_the_sum_over_dimensions()
    {
        // Σᵢ (μ₁ᵢ − μ₂ᵢ)² + (√aᵢ − √bᵢ)² = (1 + 0 + 4) + ((1 − 3)² + (2 − 2)² + (5 − 1)²)
        var a = Gaussian([0, 1, 2], new double[,] { { 1, 0, 0 }, { 0, 4, 0 }, { 0, 0, 25 } });
        var b = Gaussian([1, 1, 0], new double[,] { { 9, 0, 0 }, { 0, 4, 0 }, { 0, 0, 1 } });
        Assert.Equal(5 + 4 + 0 + 16, FrechetDistance.Of(a, b), 9);
    }

    [Fact]
    public void A_non_commuting_two_dimensional_case_matches_the_hand_computation()
    {
        // Σ₁ = diag(1, 4), Σ₂ = [[2, 1], [1, 2]]: Σ₁^½ Σ₂ Σ₁^½ = [[2, 2], [2, 8]], eigenvalues 5 ± √13, and
        // (√λ₁ + √λ₂)² = 10 + 2√12, so tr(Σ₁Σ₂)^½ = √(10 + 4√3). FD = 0 + 5 + 4 − 2√(10 + 4√3).
        var a = Gaussian([0, 0], new double[,] { { 1, 0 }, { 0, 4 } });
        var b = Gaussian([0, 0], new double[,] { { 2, 1 }, { 1, 2 } });
        double expected = 9 - 2 * Math.Sqrt(10 + 4 * Math.Sqrt(3));
        Assert.Equal(expected, FrechetDistance.Of(a, b), 9);
        Assert.Equal(expected, FrechetDistance.Of(b, a), 9);
    }

    [Fact]
    public void Moments_are_the_sample_mean_and_the_unbiased_covariance()
    {
        using var x = tensor(new float[,] { { 1, 2 }, { 3, 6 }, { 5, 4 } });
        var m = FeatureMoments.Of(x);
        Assert.Equal([3.0, 4.0], m.Mean);
        // deviations (−2, −2), (0, 2), (2, 0): Σ = [[8, 4], [4, 8]] / 2
        Assert.Equal(4.0, m.Covariance[0, 0], 12);
        Assert.Equal(2.0, m.Covariance[0, 1], 12);
        Assert.Equal(4.0, m.Covariance[1, 1], 12);
    }

    [Fact]
    public void Identical_sets_are_at_zero_and_the_distance_is_symmetric()
    {
        using var g = manual_seed(3);
        using var x = randn(400, 16, generator: g);
        using var y = randn(400, 16, generator: g) * 1.5 + 0.3;
        Assert.Equal(0, FrechetDistance.Between(x, x), 6);
        double xy = FrechetDistance.Between(x, y), yx = FrechetDistance.Between(y, x);
        Assert.True(xy > 1, $"FD between N(0, I) and N(0.3, 2.25 I) samples: {xy}");
        Assert.Equal(xy, yx, 8);
    }

    [Fact]
    public void Held_out_samples_of_one_distribution_are_far_closer_than_noise()
    {
        using var g = manual_seed(5);
        using var mixing = randn(8, 8, generator: g);
        using var a = randn(1000, 8, generator: g).matmul(mixing);
        using var b = randn(1000, 8, generator: g).matmul(mixing);
        using var noise = randn(1000, 8, generator: g);
        double heldOut = FrechetDistance.Between(a, b), toNoise = FrechetDistance.Between(a, noise);
        Assert.True(heldOut * 10 < toNoise, $"held out {heldOut}, noise {toNoise}");
    }

    [Fact]
    public void The_symmetric_square_root_squares_back()
    {
        using var s = tensor(new double[,] { { 2, 1 }, { 1, 2 } });
        using var root = FrechetDistance.SymmetricSquareRoot(s);
        using var back = root.matmul(root);
        Assert.True(back.allclose(s, rtol: 1e-12, atol: 1e-12));
    }
}
