namespace LDae.Diffusion;

/// <summary>
/// "Remove input scaling" (the paper, Table 3): γ_t ≡ 1, so x_t = z + σ_t·ε, with the noise schedule defined
/// directly on σ: σ_t linear from 0 at t = 0 to σ_max = √2 at t = T.
/// </summary>
/// <remarks>
/// The paper sets "σ_t as a linear schedule from 0 to √2" and the loss weight λ_t = 1/(1 + σ_t²), which is
/// <see cref="NoiseSchedule.SignalFractionAt"/> of this schedule. With γ ≡ 1 the variance-preserving basis
/// (noise.schedule) plays no part: the same σ table follows whichever basis the row came from.
/// </remarks>
public sealed class NoInputScaling : NoiseSchedule
{
    /// <summary>σ at t = T: √2, the paper's end of the linear σ schedule.</summary>
    public static readonly double DefaultSigmaMax = Math.Sqrt(2.0);

    public NoInputScaling(int steps = DefaultSteps) : this(DefaultSigmaMax, steps) { }

    public NoInputScaling(double sigmaMax, int steps = DefaultSteps)
        : base(Enumerable.Repeat(1.0, CheckSteps(steps) + 1).ToArray(), SigmaTable(sigmaMax, steps))
    {
        SigmaMax = sigmaMax;
    }

    /// <summary>σ_T, the end of the linear σ schedule.</summary>
    public double SigmaMax { get; }

    public override string Name => "no-input-scaling";

    static int CheckSteps(int steps) => steps >= 1 ? steps : throw new ArgumentOutOfRangeException(nameof(steps));

    static double[] SigmaTable(double sigmaMax, int steps)
    {
        if (!(sigmaMax > 0) || double.IsInfinity(sigmaMax)) throw new ArgumentOutOfRangeException(nameof(sigmaMax));
        return Enumerable.Range(0, steps + 1).Select(t => sigmaMax * t / steps).ToArray();
    }
}
