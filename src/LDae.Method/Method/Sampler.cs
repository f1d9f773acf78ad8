using LDae.Diffusion;
using static TorchSharp.torch;

namespace LDae.Method;

/// <summary>How to draw samples from a trained denoiser.</summary>
public enum SamplerKind
{
    /// <summary>DDIM, deterministic (η = 0): x_s = γ_s ẑ₀ + σ_s ε̂.</summary>
    Ddim,
    /// <summary>DDPM ancestral sampling with the fixed posterior variance of q(z_s | z_t, z₀) (η = 1).</summary>
    Ddpm,
}

/// <summary>Sampler settings: the kind, the number of network evaluations and the classifier-free guidance scale.</summary>
public sealed record SamplerOptions
{
    public SamplerKind Kind { get; init; } = SamplerKind.Ddim;
    /// <summary>Network evaluations per sample: an evenly strided subsequence of the schedule's steps.</summary>
    public int Steps { get; init; } = 50;
    /// <summary>
    /// Classifier-free guidance scale w (class-conditional models): ε̂ = ε̂(∅) + w·(ε̂(y) − ε̂(∅)). 1 is plain
    /// conditional sampling (one network evaluation per step), which is what the FID column uses.
    /// </summary>
    public double Guidance { get; init; } = 1.0;
    /// <summary>Samples per network call.</summary>
    public int BatchSize { get; init; } = 100;

    public string Describe() => $"{(Kind == SamplerKind.Ddim ? "DDIM (η = 0)" : "DDPM ancestral")}, {Steps} steps" +
                                (Guidance == 1.0 ? "" : $", guidance {Guidance:0.##}");

    public void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), $"sampling needs at least one step, got {Steps}");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"batch size must be ≥ 1, got {BatchSize}");
        if (double.IsNaN(Guidance) || Guidance < 0) throw new ArgumentOutOfRangeException(nameof(Guidance), $"guidance must be ≥ 0, got {Guidance}");
    }
}

/// <summary>
/// The network's estimate at noisy latents z_t (N×…) and steps t (N): the clean latent ẑ₀ and the noise ε̂, related by
/// z_t = γ_t ẑ₀ + σ_t ε̂. A null label asks for the unconditional estimate.
/// </summary>
public delegate (Tensor Clean, Tensor Noise) Estimator(Tensor zt, Tensor t, Tensor? labels);

/// <summary>
/// Generates latents by running a noise schedule backwards from noise, the DDIM family of updates in terms of the
/// schedule's γ_t and σ_t (x_t = γ_t z + σ_t ε): from step t to an earlier step s,
/// z_s = γ_s ẑ₀ + √(σ_s² − c²) ε̂ + c ξ with c² = η² σ_s² (σ_t² − (γ_t/γ_s)² σ_s²) / σ_t², ξ ~ N(0, I).
/// η = 0 is DDIM; η = 1 is DDPM's ancestral step, whose c² is the variance of the posterior q(z_s | z_t, z₀)
/// (the "fixed small" variance; DiT learns Σ instead, which our backbone has no output for). Over a strided
/// subsequence it is the ancestral sampler of the respaced chain, as DiT samples with 250 steps.
/// </summary>
/// <remarks>
/// Sampling starts at the latest step whose γ_t is not 0: an ε-predicting network cannot recover z₀ where the input
/// carries no signal (the linear-γ² schedule's t = T). The start noise has the variance of x_t for a unit-variance
/// latent, γ_t² + σ_t² (1 for a variance-preserving schedule). The last update (s = 0) returns ẑ₀.
/// </remarks>
public sealed class Sampler
{
    readonly NoiseSchedule schedule;
    readonly Estimator estimate;
    readonly double eta;

    public Sampler(NoiseSchedule schedule, Estimator estimate, SamplerOptions options)
    {
        options.Validate();
        this.schedule = schedule;
        this.estimate = estimate;
        Options = options;
        eta = options.Kind == SamplerKind.Ddpm ? 1.0 : 0.0;
        Timesteps = StridedSteps(schedule, options.Steps);
    }

    /// <summary>A sampler on a trained denoiser (its schedule, prediction target and tokenizer).</summary>
    public Sampler(Denoiser denoiser, SamplerOptions options) : this(denoiser.Schedule, denoiser.Estimate, options) { }

    public SamplerOptions Options { get; }

    /// <summary>The steps the network is evaluated at, latest first; each update goes to the next one, and the last to 0.</summary>
    public IReadOnlyList<int> Timesteps { get; }

    /// <summary><paramref name="steps"/> steps evenly strided over 1..t_start (t_start: the latest step with γ_t &gt; 0), latest first.</summary>
    public static int[] StridedSteps(NoiseSchedule schedule, int steps)
    {
        int start = schedule.Steps;
        while (start > 1 && schedule.GammaAt(start) <= 0) start--;
        int count = Math.Min(steps, start);
        var result = new int[count];
        for (int i = 0; i < count; i++)
            result[i] = count == 1 ? start : (int)Math.Round(start - (start - 1) * (double)i / (count - 1));
        return result;
    }

    /// <summary>
    /// Latents of shape <paramref name="latentShape"/> (N first), generated from seeded noise. <paramref name="labels"/>
    /// (N class indices) for a class-conditional model, else null. Runs without gradients.
    /// </summary>
    public Tensor Sample(long[] latentShape, Tensor? labels, Generator g, int nullClass = -1)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int first = Timesteps[0];
        double startScale = Math.Sqrt(schedule.GammaAt(first) * schedule.GammaAt(first) + schedule.SigmaAt(first) * schedule.SigmaAt(first));
        var z = randn(latentShape, generator: g) * startScale;
        for (int i = 0; i < Timesteps.Count; i++)
        {
            int t = Timesteps[i], s = i + 1 < Timesteps.Count ? Timesteps[i + 1] : 0;
            var next = Step(z, t, s, labels, g, nullClass);
            z.Dispose();
            z = next;
        }
        return z.MoveToOuterDisposeScope();
    }

    /// <summary>One update from step <paramref name="t"/> to the earlier step <paramref name="s"/> (0 returns ẑ₀).</summary>
    public Tensor Step(Tensor zt, int t, int s, Tensor? labels, Generator g, int nullClass = -1)
    {
        if (s < 0 || s >= t) throw new ArgumentOutOfRangeException(nameof(s), $"a step goes from t = {t} to an earlier s ≥ 0, got s = {s}");
        using var scope = NewDisposeScope();
        var steps = full([zt.shape[0]], (long)t, ScalarType.Int64, device: zt.device);
        var (clean, noise) = Guided(zt, steps, labels, nullClass);
        if (s == 0) return clean.MoveToOuterDisposeScope();
        double gt = schedule.GammaAt(t), st = schedule.SigmaAt(t), gs = schedule.GammaAt(s), ss = schedule.SigmaAt(s);
        double ratio = gt / gs;
        double c2 = eta == 0 ? 0 : eta * eta * ss * ss * Math.Max(0, st * st - ratio * ratio * ss * ss) / (st * st);
        var next = gs * clean + Math.Sqrt(Math.Max(0, ss * ss - c2)) * noise;
        if (c2 > 0) next = next + Math.Sqrt(c2) * randn(zt.shape, dtype: zt.dtype, generator: g, device: zt.device);
        return next.MoveToOuterDisposeScope();
    }

    (Tensor Clean, Tensor Noise) Guided(Tensor zt, Tensor steps, Tensor? labels, int nullClass)
    {
        var conditional = estimate(zt, steps, labels);
        if (labels is null || Options.Guidance == 1.0) return conditional;
        if (nullClass < 0) throw new ArgumentException("classifier-free guidance needs the null class of the label embedder");
        var unconditional = estimate(zt, steps, full_like(labels, nullClass));
        double w = Options.Guidance;
        // ẑ₀ and ε̂ are affine in the network output with the same z_t, so one combination serves both.
        return (unconditional.Clean + w * (conditional.Clean - unconditional.Clean),
                unconditional.Noise + w * (conditional.Noise - unconditional.Noise));
    }
}
