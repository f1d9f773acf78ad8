using LDae.Diffusion;
using LDae.Runtime;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Diffusion;

public class NoiseScheduleTests
{
    const int T = NoiseSchedule.DefaultSteps;

    public NoiseScheduleTests() => TorchRuntime.EnsureLoaded(threads: 1);

    public static TheoryData<string> VariancePreserving => new() { NoiseSchedules.DdpmLinearBetaName, NoiseSchedules.LinearGammaSquaredName };

    [Theory]
    [MemberData(nameof(VariancePreserving))]
    public void Variance_preserving_schedules_are_monotone_with_unit_total_variance(string name)
    {
        var s = NoiseSchedules.Create(name);
        Assert.Equal(T, s.Steps);
        Assert.Equal((1.0, 0.0), (s.GammaAt(0), s.SigmaAt(0)));
        for (int t = 0; t <= T; t++)
        {
            Assert.Equal(1.0, s.GammaAt(t) * s.GammaAt(t) + s.SigmaAt(t) * s.SigmaAt(t), 12);
            Assert.Equal(s.GammaAt(t) * s.GammaAt(t), s.SignalFractionAt(t), 12);      // λ_t = γ_t² (the paper, "predict clean data")
            if (t > 0)
            {
                Assert.True(s.GammaAt(t) < s.GammaAt(t - 1));
                Assert.True(s.SigmaAt(t) > s.SigmaAt(t - 1));
            }
        }
    }

    [Fact]
    public void Ddpm_linear_beta_endpoints()
    {
        var s = new DdpmLinearBeta();
        Assert.Equal(1 - 1e-4, s.GammaAt(1) * s.GammaAt(1), 12);
        // ∏(1 − β_s) over the linear β schedule: ≈ 4.04e-5 at T = 1000 (DDPM's value)
        double product = 1;
        for (int i = 0; i < T; i++) product *= 1 - (1e-4 + (0.02 - 1e-4) * i / (T - 1));
        Assert.Equal(product, s.GammaAt(T) * s.GammaAt(T), 15);
        Assert.InRange(product, 4.0e-5, 4.1e-5);
    }

    [Fact]
    public void Linear_gamma_squared_is_linear_from_one_to_zero()
    {
        var s = new LinearGammaSquared();
        Assert.Equal(0.5, s.GammaAt(T / 2) * s.GammaAt(T / 2), 12);
        Assert.Equal(0.75, s.GammaAt(T / 4) * s.GammaAt(T / 4), 12);
        Assert.Equal((0.0, 1.0), (s.GammaAt(T), s.SigmaAt(T)));
    }

    [Theory]
    [MemberData(nameof(VariancePreserving))]
    public void No_input_scaling_is_sigma_linear_from_zero_to_root_two_whatever_the_basis(string name)
    {
        // The paper, Table 3, "remove input scaling": γ_t ≡ 1, σ_t linear from 0 to √2, λ_t = 1/(1 + σ_t²).
        var s = NoiseSchedules.Create(name, inputScaling: false);
        var nis = Assert.IsType<NoInputScaling>(s);
        Assert.Equal(Math.Sqrt(2), nis.SigmaMax, 15);
        Assert.Equal(Math.Sqrt(2), s.SigmaAt(T), 15);
        Assert.Equal((1.0, 0.0), (s.GammaAt(0), s.SigmaAt(0)));
        for (int t = 0; t <= T; t++)
        {
            Assert.Equal(1.0, s.GammaAt(t));
            Assert.Equal(Math.Sqrt(2) * t / T, s.SigmaAt(t), 14);
            Assert.Equal(1 / (1 + s.SigmaAt(t) * s.SigmaAt(t)), s.SignalFractionAt(t), 14);
        }
        Assert.Equal(Math.Sqrt(2) / 2, s.SigmaAt(T / 2), 14);
        Assert.Equal(1.0 / 3, s.SignalFractionAt(T), 14);                        // the noisiest step keeps weight 1/3
    }

    [Fact]
    public void Single_noise_level_is_constant_with_a_clean_step_zero()
    {
        var s = NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName, inputScaling: false, singleSigma: SingleNoiseLevel.DefaultSigma);
        Assert.IsType<SingleNoiseLevel>(s);
        Assert.Equal(Math.Sqrt(1.0 / 3.0), SingleNoiseLevel.DefaultSigma, 15);
        Assert.Equal((1.0, 0.0), (s.GammaAt(0), s.SigmaAt(0)));
        for (int t = 1; t <= T; t++)
        {
            Assert.Equal(1.0, s.GammaAt(t));
            Assert.Equal(SingleNoiseLevel.DefaultSigma, s.SigmaAt(t));
            Assert.Equal(0.75, s.SignalFractionAt(t), 14);                          // 1/(1 + σ²) at σ² = 1/3
        }
        Assert.Throws<ArgumentException>(() => NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName, inputScaling: true, singleSigma: 0.5));
    }

    [Fact]
    public void Factory_rejects_unknown_names_and_step_range_is_checked()
    {
        Assert.Throws<ArgumentException>(() => NoiseSchedules.Create("cosine"));
        Assert.IsType<DdpmLinearBeta>(NoiseSchedules.Create("ddpm-linear-beta"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearGammaSquared().GammaAt(T + 1));
    }

    [Fact]
    public void Tensor_gathers_and_add_noise_match_the_tables()
    {
        using var scope = NewDisposeScope();
        var s = new NoInputScaling();
        var t = tensor(new long[] { 0, 1, 500, 1000 });
        var sigma = s.Sigma(t).data<float>().ToArray();
        var gamma = s.Gamma(t).data<float>().ToArray();
        var signal = s.SignalFraction(t).data<float>().ToArray();
        long[] steps = [0, 1, 500, 1000];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(s.SigmaAt((int)steps[i]), sigma[i], 4);
            Assert.Equal(s.GammaAt((int)steps[i]), gamma[i], 6);
            Assert.Equal(s.SignalFractionAt((int)steps[i]), signal[i], 6);
        }

        var vp = new LinearGammaSquared();
        var z = ones(4, 2, 3, 3);
        var eps = full(4, 2, 3, 3, 2f);
        var xt = vp.AddNoise(z, t, eps);
        for (int i = 0; i < 4; i++)
        {
            double expected = vp.GammaAt((int)steps[i]) + 2 * vp.SigmaAt((int)steps[i]);
            Assert.Equal(expected, xt[i].mean().item<float>(), 5);
        }
    }

    [Fact]
    public void Coefficients_are_each_samples_gamma_and_sigma_shaped_to_broadcast_in_the_latents_type()
    {
        var s = new LinearGammaSquared();
        using var t = tensor(new long[] { 0, 250, 1000 });
        using var like = zeros(new long[] { 3, 2, 4, 4 }, ScalarType.Float64);
        var (gamma, sigma) = s.Coefficients(t, like);
        Assert.Equal([3L, 1, 1, 1], gamma.shape);
        Assert.Equal([3L, 1, 1, 1], sigma.shape);
        Assert.Equal(ScalarType.Float64, gamma.dtype);
        long[] steps = [0, 250, 1000];
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(s.GammaAt((int)steps[i]), gamma[i].item<double>(), 6);
            Assert.Equal(s.SigmaAt((int)steps[i]), sigma[i].item<double>(), 6);
        }
    }
}
