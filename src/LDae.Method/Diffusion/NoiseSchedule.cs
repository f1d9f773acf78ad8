using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Diffusion;

/// <summary>
/// A noise schedule: x_t = γ_t·z + σ_t·ε, ε ~ N(0, I), for discrete t ∈ {1..T}. t = 0 is the clean input
/// (γ = 1, σ = 0). The linear probe tells the network a step t (the paper's t = 10; see Method/ProbeReadout).
/// Values are precomputed in double precision; the tensor methods gather them for a batch of timesteps.
/// </summary>
public abstract class NoiseSchedule
{
    /// <summary>T of DDPM/DiT.</summary>
    public const int DefaultSteps = 1000;

    readonly double[] gammas, sigmas, signalFractions;

    /// <param name="gamma">γ_t for t = 0..T.</param>
    /// <param name="sigma">σ_t for t = 0..T.</param>
    protected NoiseSchedule(double[] gamma, double[] sigma)
    {
        if (gamma.Length < 2 || sigma.Length != gamma.Length)
            throw new ArgumentException("γ and σ must both have T + 1 entries");
        if (gamma[0] != 1 || sigma[0] != 0)
            throw new ArgumentException("t = 0 must be the clean input: γ₀ = 1, σ₀ = 0");
        gammas = gamma;
        sigmas = sigma;
        signalFractions = gamma.Zip(sigma, SignalFraction).ToArray();
    }

    /// <summary>Name as in configs and logs, e.g. "linear-gamma2", "no-input-scaling".</summary>
    public abstract string Name { get; }

    /// <summary>Number of noisy steps T (t runs 1..T; 0 is clean).</summary>
    public int Steps => gammas.Length - 1;

    public double GammaAt(int t) => gammas[CheckStep(t)];
    public double SigmaAt(int t) => sigmas[CheckStep(t)];

    /// <summary>
    /// SNR/(1 + SNR) = γ_t²/(γ_t² + σ_t²): the share of signal in x_t's variance for a unit-variance signal, 1 at
    /// t = 0 and 0 at pure noise. It is γ_t² for a variance-preserving schedule and 1/(1 + σ_t²) for one with
    /// γ ≡ 1 — the paper's two loss weights λ_t (Table 3), one formula (see LDae.Objectives.LossWeighting).
    /// </summary>
    public double SignalFractionAt(int t) => signalFractions[CheckStep(t)];

    /// <summary>Signal-to-noise ratio γ_t²/σ_t² (∞ at t = 0).</summary>
    public double SignalToNoiseAt(int t) => GammaAt(t) * GammaAt(t) / (SigmaAt(t) * SigmaAt(t));

    /// <summary>γ_t for a batch of integer timesteps (any shape) → float32 of the same shape.</summary>
    public Tensor Gamma(Tensor t) => Gather(gammas, t);

    /// <summary>σ_t for a batch of integer timesteps (any shape) → float32 of the same shape.</summary>
    public Tensor Sigma(Tensor t) => Gather(sigmas, t);

    /// <summary><see cref="SignalFractionAt"/> for a batch of integer timesteps → float32.</summary>
    public Tensor SignalFraction(Tensor t) => Gather(signalFractions, t);

    static double SignalFraction(double gamma, double sigma) => gamma * gamma / (gamma * gamma + sigma * sigma);

    /// <summary>x_t = γ_t·z + σ_t·ε with one timestep per sample (t: N; z, ε: N×…).</summary>
    public Tensor AddNoise(Tensor z, Tensor t, Tensor noise)
    {
        using var scope = NewDisposeScope();
        var (gamma, sigma) = Coefficients(t, z);
        return (gamma * z + sigma * noise).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// γ_t and σ_t of each sample's timestep (t: N) shaped N×1×…×1, on the device and in the type of
    /// <paramref name="like"/> (N×…), so that they broadcast against it. The tensors belong to the caller's dispose scope.
    /// </summary>
    public (Tensor Gamma, Tensor Sigma) Coefficients(Tensor t, Tensor like)
    {
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = like.shape[0];
        return (PerSample(Gamma(t)), PerSample(Sigma(t)));

        Tensor PerSample(Tensor values) => values.to(like.device).to_type(like.dtype).reshape(shape);
    }

    static Tensor Gather(double[] table, Tensor t)
    {
        using var scope = NewDisposeScope();
        var values = tensor(table, dtype: ScalarType.Float32, device: t.device);
        var index = t.to_type(ScalarType.Int64);
        return values.index_select(0, index.flatten()).reshape(index.shape).MoveToOuterDisposeScope();
    }

    int CheckStep(int t) => t >= 0 && t <= Steps ? t : throw new ArgumentOutOfRangeException(nameof(t), $"t must be in 0..{Steps}, got {t}");

    /// <summary>σ_t = √(1 − γ_t²) for a variance-preserving schedule given γ_t².</summary>
    protected static double[] SigmaFromSignal(double[] gammaSquared) => gammaSquared.Select(g2 => Math.Sqrt(Math.Max(0, 1 - g2))).ToArray();

    public override string ToString() => Name;
}
