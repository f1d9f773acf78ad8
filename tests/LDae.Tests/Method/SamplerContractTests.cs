using LDae.Diffusion;
using LDae.Method;
using LDae.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Method;

/// <summary>
/// The sampler's formulas against values computed here: DDPM's ancestral step has the posterior variance of
/// q(z_s | z_t, z₀), β̃ = σ_s²/σ_t²·(1 − γ_t²/γ_s²); the start noise has the variance γ_T² + σ_T² of x_T for a
/// unit-variance latent; classifier-free guidance is ε̂(∅) + w·(ε̂(y) − ε̂(∅)); and the settings' checks and description.
/// </summary>
public class SamplerContractTests
{
    readonly bool loaded = Load();
    static bool Load() { TorchRuntime.EnsureLoaded(threads: 1); return true; }

    /// <summary>A fixed estimate, whatever the input: (clean, noise).</summary>
    static Estimator Constant(Tensor clean, Tensor noise) => (_, _, _) => (clean.alias(), noise.alias());

    [Fact]
    public void A_ddpm_step_adds_the_posterior_variance_of_the_forward_process()
    {
        var schedule = NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName);
        using var scope = NewDisposeScope();
        var g = new Generator(3, CPU);
        var clean = randn(2, 3, 4, 4, generator: g);
        var noise = randn(2, 3, 4, 4, generator: g);
        var zt = randn(2, 3, 4, 4, generator: g);
        var sampler = new Sampler(schedule, Constant(clean, noise), new SamplerOptions { Kind = SamplerKind.Ddpm, Steps = 4 });
        const int t = 750, s = 500;
        var next = sampler.Step(zt, t, s, null, new Generator(5, CPU));

        double gt = schedule.GammaAt(t), st = schedule.SigmaAt(t), gs = schedule.GammaAt(s), ss = schedule.SigmaAt(s);
        double posterior = ss * ss / (st * st) * (1 - gt * gt / (gs * gs));
        var xi = randn(2, 3, 4, 4, generator: new Generator(5, CPU));
        var expected = gs * clean + Math.Sqrt(ss * ss - posterior) * noise + Math.Sqrt(posterior) * xi;
        Assert.True(SyntheticShapes.MaxAbsDiff(next, expected) < 1e-5);

        // DDIM (η = 0) draws nothing: the deterministic part alone
        var ddim = new Sampler(schedule, Constant(clean, noise), new SamplerOptions { Kind = SamplerKind.Ddim, Steps = 4 });
        Assert.True(SyntheticShapes.MaxAbsDiff(ddim.Step(zt, t, s, null, new Generator(5, CPU)), gs * clean + ss * noise) < 1e-5);
        // the last step returns ẑ₀
        Assert.True(TensorAssert.Identical(sampler.Step(zt, t, 0, null, new Generator(5, CPU)), clean));
    }

    [Fact]
    public void Sampling_starts_from_noise_of_the_variance_of_x_at_the_first_step()
    {
        // without input scaling γ_t = 1 and σ_t grows to √2, so x_T = z + σ_T ε has variance 1 + 2 = 3
        var schedule = NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName, inputScaling: false);
        using var scope = NewDisposeScope();
        var seen = new List<(Tensor Zt, long T)>();
        Estimator record = (zt, t, _) =>
        {
            seen.Add((zt.clone().DetachFromDisposeScope(), t[0].item<long>()));
            return (zeros_like(zt), zeros_like(zt));
        };
        var sampler = new Sampler(schedule, record, new SamplerOptions { Steps = 1 });
        Assert.Equal([1000], sampler.Timesteps);
        sampler.Sample([64, 4, 8, 8], null, new Generator(2, CPU));
        var (start, first) = Assert.Single(seen);
        Assert.Equal(1000, first);
        var expected = randn(64, 4, 8, 8, generator: new Generator(2, CPU)) * Math.Sqrt(1 + schedule.SigmaAt(1000) * schedule.SigmaAt(1000));
        Assert.True(SyntheticShapes.MaxAbsDiff(start, expected) < 1e-5);
        Assert.InRange(start.var().item<float>(), 2.8, 3.2);
        start.Dispose();

        // a variance-preserving schedule starts from unit-variance noise: γ_T² + σ_T² = 1 with γ_T ≠ 0
        var ddpm = NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName);
        seen.Clear();
        new Sampler(ddpm, record, new SamplerOptions { Steps = 1 }).Sample([64, 4, 8, 8], null, new Generator(2, CPU));
        var (vp, _) = Assert.Single(seen);
        Assert.True(SyntheticShapes.MaxAbsDiff(vp, randn(64, 4, 8, 8, generator: new Generator(2, CPU))) < 1e-5);
        vp.Dispose();
    }

    [Fact]
    public void Steps_visit_the_strided_subsequence_and_end_at_zero()
    {
        var schedule = NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName);
        using var scope = NewDisposeScope();
        var steps = new List<long>();
        Estimator record = (zt, t, _) => { steps.Add(t[0].item<long>()); return (zeros_like(zt), zeros_like(zt)); };
        var sampler = new Sampler(schedule, record, new SamplerOptions { Steps = 3 });
        var z = sampler.Sample([2, 1, 2, 2], null, new Generator(1, CPU));
        Assert.Equal([1000L, 500, 1], steps);
        Assert.Equal(0, z.abs().max().item<float>());
        // each update lands on the next step of the subsequence: with ẑ₀ = 0 and ε̂ = 1, DDIM gives z_s = σ_s
        var inputs = new List<float>();
        Estimator unitNoise = (zt, t, _) => { inputs.Add(zt[0, 0, 0, 0].item<float>()); return (zeros_like(zt), ones_like(zt)); };
        new Sampler(schedule, unitNoise, new SamplerOptions { Steps = 3 }).Sample([2, 1, 2, 2], null, new Generator(1, CPU));
        Assert.Equal(3, inputs.Count);
        Assert.Equal(schedule.SigmaAt(500), inputs[1], 5);
        Assert.Equal(schedule.SigmaAt(1), inputs[2], 5);
        Assert.Equal([1000, 1], Sampler.StridedSteps(schedule, 2));
        Assert.Equal([1000], Sampler.StridedSteps(schedule, 1));
        // a one-step schedule whose only step is pure noise still samples from it
        Assert.Equal([1], Sampler.StridedSteps(new LinearGammaSquared(1), 5));
    }

    [Fact]
    public void A_step_goes_to_an_earlier_step_that_is_not_negative()
    {
        var schedule = NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName);
        using var scope = NewDisposeScope();
        var sampler = new Sampler(schedule, Constant(zeros(1), zeros(1)), new SamplerOptions { Steps = 2 });
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Step(zeros(1), 10, 10, null, new Generator(0, CPU)));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Step(zeros(1), 10, 11, null, new Generator(0, CPU)));
        Assert.Contains("s = -1", Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Step(zeros(1), 10, -1, null, new Generator(0, CPU))).Message);
    }

    [Fact]
    public void Guidance_extrapolates_from_the_unconditional_estimate_towards_the_conditional_one()
    {
        using var scope = NewDisposeScope();
        const int nullClass = 5;
        int calls = 0;
        // the conditional estimate is (1, 2), the null class's (3, 7)
        Estimator estimate = (zt, _, labels) =>
        {
            calls++;
            bool unconditional = labels is not null && labels[0].item<long>() == nullClass;
            return unconditional ? (full_like(zt, 3), full_like(zt, 7)) : (full_like(zt, 1), full_like(zt, 2));
        };
        var schedule = NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName);
        var labels = tensor(new long[] { 0, 1 });
        var guided = new Sampler(schedule, estimate, new SamplerOptions { Steps = 2, Guidance = 1.5 });
        var clean = guided.Step(zeros(2, 1), 500, 0, labels, new Generator(0, CPU), nullClass);
        Assert.Equal(2, calls);
        Assert.Equal([3 + 1.5f * (1 - 3), 3 + 1.5f * (1 - 3)], clean.data<float>().ToArray());
        // the noise combines the same way: a DDIM step to s is γ_s ẑ₀ + σ_s ε̂ of the guided pair
        var next = guided.Step(zeros(2, 1), 500, 250, labels, new Generator(0, CPU), nullClass);
        double expected = schedule.GammaAt(250) * (3 + 1.5 * (1 - 3)) + schedule.SigmaAt(250) * (7 + 1.5 * (2 - 7));
        Assert.Equal(expected, next[0, 0].item<float>(), 5);

        // no labels, or w = 1: the conditional estimate alone, one call
        calls = 0;
        Assert.Equal(1f, guided.Step(zeros(2, 1), 500, 0, null, new Generator(0, CPU), nullClass)[0, 0].item<float>());
        Assert.Equal(1, calls);
        Assert.Contains("null class", Assert.Throws<ArgumentException>(() => guided.Step(zeros(2, 1), 500, 0, labels, new Generator(0, CPU))).Message);
        // class 0 is a valid null class
        Assert.Equal(1f, guided.Step(zeros(2, 1), 500, 0, labels, new Generator(0, CPU), nullClass: 0)[0, 0].item<float>());
    }

    [Fact]
    public void Settings_describe_themselves_and_refuse_what_cannot_sample()
    {
        Assert.Equal("DDIM (η = 0), 50 steps", new SamplerOptions().Describe());
        Assert.Equal("DDPM ancestral, 250 steps, guidance 1.5", new SamplerOptions { Kind = SamplerKind.Ddpm, Steps = 250, Guidance = 1.5 }.Describe());
        new SamplerOptions { Steps = 1, BatchSize = 1, Guidance = 0 }.Validate();
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerOptions { Steps = 0 }.Validate()).Message);
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerOptions { BatchSize = 0 }.Validate()).Message);
        Assert.Contains("got -0.5", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerOptions { Guidance = -0.5 }.Validate()).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerOptions { Guidance = double.NaN }.Validate());
        var schedule = NoiseSchedules.Create(NoiseSchedules.DdpmLinearBetaName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(schedule, (zt, _, _) => (zt, zt), new SamplerOptions { Steps = 0 }));
    }
}
