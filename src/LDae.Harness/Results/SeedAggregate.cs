using LDae.Harness.Experiments;

namespace LDae.Harness.Results;

/// <summary>
/// One seed's numbers in its row's aggregate. <paramref name="Generation"/> is the seed's Fréchet distance
/// (<see cref="GenerationMetrics.Value"/>: FID or FD-classifier, as the row's <see cref="GenerationMetrics.Metric"/> says).
/// </summary>
public sealed record SeedValues(int Seed, double? ProbeTop1, double? KnnTop1, double? FinalLoss, double? Generation);

/// <summary>The seeds of a row (<see cref="RowMetrics.Seeds"/>): per-seed numbers and, per metric, their statistics.</summary>
public sealed record SeedSummary
{
    public required int N { get; init; }
    public required IReadOnlyList<SeedValues> Values { get; init; }
    public SeedStatistic? ProbeTop1 { get; init; }
    public SeedStatistic? KnnTop1 { get; init; }
    public SeedStatistic? FinalLoss { get; init; }
    /// <summary>The Fréchet distance of <see cref="RowMetrics.Generation"/> over the seeds that have one.</summary>
    public SeedStatistic? Generation { get; init; }

    /// <summary>A metric's value per seed (seeds without it left out), for <see cref="SeedStatistics.Delta"/>.</summary>
    public IReadOnlyDictionary<int, double> PerSeed(Func<SeedValues, double?> metric) =>
        Values.Where(v => metric(v) is not null).ToDictionary(v => v.Seed, v => metric(v)!.Value);
}

/// <summary>A row's metrics.json from its seeds' results: the means as the row's numbers, plus <see cref="SeedSummary"/>.</summary>
public static class SeedAggregate
{
    static double? Round(double? v) => v is { } x ? Math.Round(x, 6) : null;

    /// <summary>
    /// The aggregate of complete seed results of one row, configuration and data. Identity fields (config hash,
    /// tokenizer, data digest, steps, parameters, probe setup) come from seed 1 — they are the same for every seed; times are the seeds' means;
    /// the provenance is seed 1's, spanning the first start to the last finish.
    /// </summary>
    public static RowMetrics Of(IReadOnlyList<RowMetrics> seeds)
    {
        if (seeds.Count == 0) throw new ArgumentException("no seed results to aggregate", nameof(seeds));
        var ordered = seeds.OrderBy(s => s.Seed ?? 1).ToList();
        var first = ordered[0];
        if (ordered.Any(s => s.ConfigHash != first.ConfigHash || s.Row != first.Row))
            throw new ArgumentException($"{first.Row}: the seed results to aggregate differ in row or configuration", nameof(seeds));
        if (ordered.Select(s => s.TokenizerWeights?.Sha256).OfType<string>().Distinct().Count() > 1)
            throw new ArgumentException($"{first.Row}: the seed results to aggregate ran on different weights of tokenizer {first.Tokenizer}", nameof(seeds));
        if (ordered.Select(s => s.DataDigest).Distinct().Count() > 1)
            throw new ArgumentException($"{first.Row}: the seed results to aggregate ran on different data (data_digest)", nameof(seeds));
        var values = ordered.Select(s => new SeedValues(s.Seed ?? 1, s.ProbeTop1, s.KnnTop1, s.FinalLoss, s.Generation?.Value)).ToList();
        // Rounded to 6 decimals so metrics.json stays readable and byte-stable.
        SeedStatistic? Stat(Func<SeedValues, double?> metric) =>
            SeedStatistics.Summarize([.. values.Select(metric).OfType<double>()]) is { } s
                ? new SeedStatistic(Math.Round(s.Mean, 6), Round(s.Sd), s.N, Round(s.CiLow), Round(s.CiHigh))
                : null;
        var summary = new SeedSummary
        {
            N = ordered.Count,
            Values = values,
            ProbeTop1 = Stat(v => v.ProbeTop1),
            KnnTop1 = Stat(v => v.KnnTop1),
            FinalLoss = Stat(v => v.FinalLoss),
            Generation = Stat(v => v.Generation),
        };
        var generation = GenerationOf(ordered, summary.Generation);
        double Mean(Func<RowMetrics, double> f, int digits) => Math.Round(ordered.Average(f), digits);
        double? MeanOrNull(Func<RowMetrics, double?> f, int digits) =>
            ordered.Select(f).OfType<double>().ToList() is { Count: > 0 } v ? Math.Round(v.Average(), digits) : null;
        return first with
        {
            Seed = null,
            SameAs = null,
            ProbeFeatures = null, // one run's fingerprint, not a mean's
            ProbeTop1 = summary.ProbeTop1 is { } p ? Math.Round(p.Mean, 2) : null,
            ProbeTrainTop1 = MeanOrNull(s => s.ProbeTrainTop1, 2),
            KnnTop1 = summary.KnnTop1 is { } k ? Math.Round(k.Mean, 2) : null,
            FinalLoss = summary.FinalLoss is { } l ? Math.Round(l.Mean, 6) : null,
            FinalLossSubspace = MeanOrNull(s => s.FinalLossSubspace, 6),
            FinalLossResidual = MeanOrNull(s => s.FinalLossResidual, 6),
            Generation = generation,
            Fid = ordered.All(s => s.Fid is not null) && generation is not null ? Math.Round(generation.Value, 2) : null,
            PretrainSeconds = Mean(s => s.PretrainSeconds, 2),
            ImagesPerSecond = Mean(s => s.ImagesPerSecond, 1),
            ProbeSeconds = Mean(s => s.ProbeSeconds, 2),
            WallSeconds = Mean(s => s.WallSeconds, 2),
            Seeds = summary,
            Provenance = first.Provenance with
            {
                StartedUtc = ordered.Min(s => s.Provenance.StartedUtc),
                FinishedUtc = ordered.Max(s => s.Provenance.FinishedUtc),
            },
        };
    }

    /// <summary>
    /// The seeds' generation measurement: seed 1's settings with the seeds' mean distance, real-image floor and
    /// sampling time, and seed 1's sample grid — when every seed was measured with one metric, sample count and
    /// sampler; otherwise none (a mean over different settings is not a number of either).
    /// </summary>
    static GenerationMetrics? GenerationOf(IReadOnlyList<RowMetrics> seeds, SeedStatistic? distance)
    {
        if (distance is null || seeds[0].Generation is not { } first) return null;
        if (seeds.Any(s => s.Generation is not { } g || g.Metric != first.Metric || g.Samples != first.Samples || g.Sampler != first.Sampler))
            return null;
        var floors = seeds.Select(s => s.Generation!.RealFloor).OfType<double>().ToList();
        return first with
        {
            Value = Math.Round(distance.Mean, 4),
            RealFloor = floors.Count == seeds.Count ? Math.Round(floors.Average(), 4) : null,
            SampleSeconds = Math.Round(seeds.Average(s => s.Generation!.SampleSeconds), 2),
            Grid = $"{SeedRuns.FolderPrefix}{seeds[0].Seed ?? 1}/{first.Grid}",
        };
    }
}
