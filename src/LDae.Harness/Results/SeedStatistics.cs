using MathNet.Numerics.Distributions;

namespace LDae.Harness.Results;

/// <summary>A metric over a row's seeds: mean, sample standard deviation, n and the 95 % t-interval of the mean (sd and CI need n ≥ 2).</summary>
public sealed record SeedStatistic(double Mean, double? Sd, int N, double? CiLow, double? CiHigh);

/// <summary>
/// The Δ of two rows' means (row minus its previous row) with its 95 % confidence interval: a paired t-interval
/// when both rows ran the same seeds (seed k of two rows shares data order, initialisation and noise), else Welch's.
/// </summary>
public sealed record DeltaEstimate(double Delta, double CiLow, double CiHigh, bool Paired, double DegreesOfFreedom)
{
    public bool ExcludesZero => CiLow > 0 || CiHigh < 0;
}

/// <summary>How a step of ours compares with the paper's step, judged on the Δ's confidence interval.</summary>
public enum Verdict
{
    /// <summary>Nothing to judge: a number is missing, or the paper shows no change.</summary>
    None,
    /// <summary>A row ran one seed: no spread, so no interval.</summary>
    OneSeed,
    /// <summary>The CI excludes 0 and the sign is the paper's.</summary>
    Agrees,
    /// <summary>The CI excludes 0 and the sign is opposite to the paper's.</summary>
    Disagrees,
    /// <summary>The CI contains 0: this scale cannot tell the step from seed noise.</summary>
    WithinNoise,
}

/// <summary>
/// The statistics of seeds (docs/statistics.md): the t-interval of one row's mean, the interval of the Δ of two
/// rows (paired t when they share seeds, Welch's t otherwise) and the verdict against the paper's Δ.
/// </summary>
public static class SeedStatistics
{
    public const double Level = 0.95;

    /// <summary>Mean, sd (n − 1 in the denominator) and the 95 % t-interval of <paramref name="values"/>; null when empty.</summary>
    public static SeedStatistic? Summarize(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return null;
        double mean = values.Average();
        if (n == 1) return new SeedStatistic(mean, null, 1, null, null);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double half = TQuantile(n - 1) * sd / Math.Sqrt(n);
        return new SeedStatistic(mean, sd, n, mean - half, mean + half);
    }

    /// <summary>
    /// The Δ mean(<paramref name="row"/>) − mean(<paramref name="previous"/>) and its 95 % CI, from per-seed values
    /// keyed by seed number. Paired (t on the per-seed differences, n − 1 degrees of freedom) when both have the same
    /// seeds; Welch's t (Welch–Satterthwaite degrees of freedom) otherwise. Null when either side has fewer than 2 seeds.
    /// </summary>
    public static DeltaEstimate? Delta(IReadOnlyDictionary<int, double> row, IReadOnlyDictionary<int, double> previous)
    {
        if (row.Count < 2 || previous.Count < 2) return null;
        if (row.Keys.ToHashSet().SetEquals(previous.Keys))
        {
            var differences = row.Keys.Order().Select(k => row[k] - previous[k]).ToList();
            var d = Summarize(differences)!;
            return new DeltaEstimate(d.Mean, d.CiLow!.Value, d.CiHigh!.Value, Paired: true, d.N - 1);
        }
        var (a, b) = (Summarize([.. row.Values])!, Summarize([.. previous.Values])!);
        double va = a.Sd!.Value * a.Sd.Value / a.N, vb = b.Sd!.Value * b.Sd.Value / b.N;
        double se = Math.Sqrt(va + vb);
        double delta = a.Mean - b.Mean;
        if (se == 0) return new DeltaEstimate(delta, delta, delta, Paired: false, a.N + b.N - 2);
        double df = (va + vb) * (va + vb) / (va * va / (a.N - 1) + vb * vb / (b.N - 1));
        double half = TQuantile(df) * se;
        return new DeltaEstimate(delta, delta - half, delta + half, Paired: false, df);
    }

    /// <summary>
    /// The verdict of our step against the paper's Δ: <see cref="Verdict.OneSeed"/> without an interval (one seed),
    /// <see cref="Verdict.WithinNoise"/> when the CI contains 0, else agrees or disagrees by sign.
    /// </summary>
    public static Verdict Judge(double? paperDelta, double? oursDelta, DeltaEstimate? interval)
    {
        if (paperDelta is not { } p || oursDelta is null || p == 0) return Verdict.None;
        if (interval is null) return Verdict.OneSeed;
        if (!interval.ExcludesZero) return Verdict.WithinNoise;
        return Math.Sign(interval.Delta) == Math.Sign(p) ? Verdict.Agrees : Verdict.Disagrees;
    }

    /// <summary>The two-sided 95 % quantile of Student's t with <paramref name="degreesOfFreedom"/>.</summary>
    public static double TQuantile(double degreesOfFreedom) => StudentT.InvCDF(0, 1, degreesOfFreedom, 1 - (1 - Level) / 2);
}
