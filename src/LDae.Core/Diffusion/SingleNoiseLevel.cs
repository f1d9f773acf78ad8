namespace LDae.Diffusion;

/// <summary>
/// "Single noise level" (Table 3, last row): x_t = z + σ·ε with one fixed σ (default √(1/3)) for every
/// t ≥ 1, so t carries no information. t = 0 stays the clean input for the probe. Loss weight 1.
/// </summary>
public sealed class SingleNoiseLevel : NoiseSchedule
{
    public static readonly double DefaultSigma = Math.Sqrt(1.0 / 3.0);

    public SingleNoiseLevel(double sigma, int steps = DefaultSteps)
        : base(Enumerable.Repeat(1.0, steps + 1).ToArray(), SigmaTable(sigma, steps), Enumerable.Repeat(1.0, steps + 1).ToArray())
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
