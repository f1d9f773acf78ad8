namespace LDae.Diffusion;

/// <summary>
/// "Single noise level" (the paper, Table 3, last row): x_t = z + σ·ε with one fixed σ (default √(1/3)) for
/// every t ≥ 1, so t carries no information (the row also turns the timestep conditioning off). t = 0 stays
/// the clean input for the probe. The loss weight λ = 1/(1 + σ²) of the row above is one constant here.
/// </summary>
public sealed class SingleNoiseLevel : NoiseSchedule
{
    public static readonly double DefaultSigma = Math.Sqrt(1.0 / 3.0);

    public SingleNoiseLevel(double sigma, int steps = DefaultSteps)
        : base(Enumerable.Repeat(1.0, steps + 1).ToArray(), SigmaTable(sigma, steps))
    {
        Level = sigma;
    }

    public SingleNoiseLevel() : this(DefaultSigma) { }

    /// <summary>The fixed σ.</summary>
    public double Level { get; }

    public override string Name => $"single-noise-level({Level:G6})";

    static double[] SigmaTable(double sigma, int steps)
    {
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma));
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps));
        var table = Enumerable.Repeat(sigma, steps + 1).ToArray();
        table[0] = 0;
        return table;
    }
}
