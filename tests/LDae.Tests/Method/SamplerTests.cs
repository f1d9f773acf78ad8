using LDae.Diffusion;
using LDae.Method;
using LDae.Models;
using LDae.Runtime;
using LDae.Tokenizers;
using LDae.Training;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Method;

public class SamplerTests
{
    readonly bool loaded = Load();
    static bool Load() { TorchRuntime.EnsureLoaded(threads: 1); return true; }

    /// <summary>The exact ε of a data distribution that is a single point z₀: ε = (z_t − γ_t z₀)/σ_t.</summary>
    static Estimator Oracle(NoiseSchedule schedule, Tensor z0) => (zt, t, _) =>
    {
        var gamma = schedule.Gamma(t).reshape(-1, 1, 1, 1);
        var sigma = schedule.Sigma(t).reshape(-1, 1, 1, 1);
        var noise = (zt - gamma * z0) / sigma;
        return ((zt - sigma * noise) / gamma, noise);
    };

    public static TheoryData<string, SamplerKind, int> Cases => new()
    {
        { NoiseSchedules.DdpmLinearBetaName, SamplerKind.Ddim, 10 },
        { NoiseSchedules.LinearGammaSquaredName, SamplerKind.Ddim, 25 },
        { NoiseSchedules.DdpmLinearBetaName, SamplerKind.Ddpm, 50 },
        { NoiseSchedules.LinearGammaSquaredName, SamplerKind.Ddpm, 1000 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void With_the_true_noise_the_sampler_lands_on_the_data_point(string scheduleName, SamplerKind kind, int steps)
    {
        var schedule = NoiseSchedules.Create(scheduleName);
        using var z0 = linspace(-1.5, 1.5, 2 * 3 * 3).reshape(1, 2, 3, 3).expand(4, -1, -1, -1).contiguous();
        var sampler = new Sampler(schedule, Oracle(schedule, z0), new SamplerOptions { Kind = kind, Steps = steps });
        using var g = manual_seed(11);
        using var z = sampler.Sample([4, 2, 3, 3], null, g);
        Assert.True(z.allclose(z0, rtol: 1e-3, atol: 1e-3), $"max error {(z - z0).abs().max().item<float>()}");
    }

    [Fact]
    public void A_ddim_step_with_the_true_noise_is_the_forward_process_at_the_earlier_step()
    {
        var schedule = NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName);
        using var g = manual_seed(2);
        using var z0 = randn(3, 4, 2, 2, generator: g);
        using var eps = randn(3, 4, 2, 2, generator: g);
        using var t = full([3], 600L, ScalarType.Int64);
        using var s = full([3], 200L, ScalarType.Int64);
        using var zt = schedule.AddNoise(z0, t, eps);
        using var expected = schedule.AddNoise(z0, s, eps);
        var sampler = new Sampler(schedule, Oracle(schedule, z0), new SamplerOptions { Kind = SamplerKind.Ddim, Steps = 2 });
        using var zs = sampler.Step(zt, 600, 200, null, g);
        Assert.True(zs.allclose(expected, rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void Steps_are_strided_latest_first_and_skip_a_noise_only_last_step()
    {
        var beta = NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName);
        Assert.Equal([1000, 500, 1], Sampler.StridedSteps(beta, 3));
        Assert.Equal(1000, Sampler.StridedSteps(beta, 5000).Length);
        // linear γ²: γ_T = 0, where an ε-prediction says nothing about z₀
        var linear = NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName);
        Assert.Equal(999, Sampler.StridedSteps(linear, 4)[0]);
        Assert.Equal(1, Sampler.StridedSteps(linear, 4)[^1]);
    }

    static Denoiser TinyDenoiser(bool classConditional)
    {
        using var init = Seeding.Seed(4);
        var options = new DenoiserOptions
        {
            ImageSize = 16, Width = 32, Depth = 2, Heads = 2, MlpRatio = 2,
            ClassConditional = classConditional, NumClasses = classConditional ? 3 : 0,
        };
        var denoiser = new Denoiser(new PixelTokenizer(1, 1), NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName), options with { TokenPatch = 4 }, init);
        // adaLN-Zero starts every block and the output at 0, where labels change nothing: move off it, as training does.
        using var _ = no_grad();
        foreach (var p in denoiser.parameters())
            using (var step = randn(p.shape, generator: init) * 0.05) p.add_(step);
        return denoiser;
    }

    [Theory]
    [InlineData(SamplerKind.Ddim, false)]
    [InlineData(SamplerKind.Ddpm, true)]
    public void Samples_of_a_denoiser_repeat_under_a_seed_and_change_with_it(SamplerKind kind, bool classConditional)
    {
        using var denoiser = TinyDenoiser(classConditional);
        denoiser.eval();
        var options = new SamplerOptions { Kind = kind, Steps = 4, BatchSize = 3 };
        using var a = LDae.Rows.RowGeneration.Generate(denoiser, options, 5, seed: 7, classes: 3);
        using var b = LDae.Rows.RowGeneration.Generate(denoiser, options, 5, seed: 7, classes: 3);
        using var c = LDae.Rows.RowGeneration.Generate(denoiser, options, 5, seed: 8, classes: 3);
        Assert.Equal([5, 1, 16, 16], a.shape);
        Assert.True(a.allclose(b, rtol: 0, atol: 0));
        Assert.False(a.allclose(c));
        Assert.True(a.abs().max().item<float>() <= 1);
    }

    [Fact]
    public void Guidance_one_is_the_conditional_estimate_and_other_scales_move_away_from_it()
    {
        using var denoiser = TinyDenoiser(classConditional: true);
        denoiser.eval();
        using var g = manual_seed(1);
        using var z = randn(2, 1, 16, 16, generator: g);
        using var labels = tensor(new long[] { 0, 2 });
        var plain = new Sampler(denoiser, new SamplerOptions { Steps = 2 });
        var guided = new Sampler(denoiser, new SamplerOptions { Steps = 2, Guidance = 3 });
        using var _ = no_grad();
        using var conditional = denoiser.Estimate(z, full([2], 500L, ScalarType.Int64), labels).Clean;
        using var one = plain.Step(z, 500, 0, labels, g, nullClass: 3);
        using var three = guided.Step(z, 500, 0, labels, g, nullClass: 3);
        Assert.True(one.allclose(conditional));
        Assert.False(three.allclose(conditional));
    }
}
