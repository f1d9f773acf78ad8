using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Reporting;

/// <summary>
/// One row as the report sees it: the paper's numbers, ours when the row completed (metrics.json exists),
/// otherwise why not ("not run", or "not available yet: needs …").
/// </summary>
public sealed record RowResult(
    ExperimentRow Row,
    ConfigTree Config,
    RowMetrics? Metrics,
    string? Unavailable,
    bool Stale,
    TrainingLog Log,
    IReadOnlyList<string> Figures)
{
    /// <summary>
    /// The row's latent dimension per token at the paper's scale (the <c>paper</c> profile: 256² images, D = 768),
    /// where the paper's curves of a sweep are drawn; null without a paper profile.
    /// </summary>
    public int? PaperLatentDim { get; init; }

    /// <summary>The patch dimension D = p²·C at the paper's scale (768), the d = D end of its sweep axis.</summary>
    public int? PaperPatchDim { get; init; }

    /// <summary>
    /// The metrics.json of each run behind the row's numbers: every seed's own (seed-k/metrics.json) for a row of
    /// several seeds, the row's for a row of one. Seeds run on other commits and machines than seed 1, each for its
    /// own wall time.
    /// </summary>
    public IReadOnlyList<RowMetrics> Runs { get; init; } = [];

    /// <summary>A fine-tuning row's validation top-1 per epoch (<see cref="Harness.Results.FineTuneCurve"/>); empty for every other row.</summary>
    public IReadOnlyList<FineTuneCurvePoint> FineTuneCurve { get; init; } = [];

    public bool HasRun => Metrics is not null;
    public double? Ours => Metrics?.ProbeTop1;

    /// <summary>
    /// The row's seeds when it ran more than one: per metric mean, sd, n and 95 % CI (error bars: <c>Seeds.ProbeTop1.Sd</c>,
    /// <c>Seeds.KnnTop1.Sd</c>); null for a one-seed row.
    /// </summary>
    public SeedSummary? Seeds => Metrics?.Seeds;

    /// <summary>The sd of our linear-probe top-1 over seeds (percentage points); null with one seed.</summary>
    public double? OursSd => Seeds?.ProbeTop1?.Sd;

    /// <summary>What the report prints instead of a number when there is none.</summary>
    public string Missing => Unavailable ?? "not run";

    /// <summary>This row against the row its Δ is measured against (none for a table's first row).</summary>
    public StepComparison StepFrom(RowResult? previous) =>
        StepComparison.Between(Row.Paper.Acc, previous?.Row.Paper.Acc, Metrics, previous?.Metrics) with
        {
            SameConfigurationAs = previous is not null && SameConfigurationAs(previous) ? previous.Row.FullId : null,
        };

    /// <summary>
    /// How this row names the row its Δ is measured against when that is not the row above: its title and, when it is a
    /// row of another table, its target, written by <paramref name="target"/> (code in Markdown, plain on a plot).
    /// </summary>
    public string Versus(RowResult against, Func<string, string> target) =>
        against.Row.Title + (against.Row.Table == Row.Table ? "" : ", " + target(against.Row.FullId));

    /// <summary>Both rows resolve to one configuration at this profile: one run, no step to measure between them.</summary>
    public bool SameConfigurationAs(RowResult other) => other.Config.Hash() == Config.Hash();
}

/// <summary>A table with its rows in the paper's order and, per row, the row its Δ is measured against (<see cref="ExperimentTable.PreviousId"/>; it may be a row of another table).</summary>
public sealed record TableResult(ExperimentTable Table, IReadOnlyList<RowResult> Rows, IReadOnlyList<RowResult?> Previous)
{
    public bool HasPaperNumbers => Table.Rows.Any(r => r.Paper.Acc is not null);
    public bool HasFid => Rows.Any(r => r.Row.Paper.Fid is not null || r.Metrics?.Generation is not null);

    /// <summary>
    /// The name of our generation-quality column: "FID" when every measured row used Inception-v3, else the metric(s)
    /// measured (e.g. "FD-classifier") — a stand-in distance is never labelled FID.
    /// </summary>
    public string GenerationMetric => Rows.Select(r => r.Metrics?.Generation?.Metric).OfType<string>().Distinct().Order().ToList() is { Count: > 0 } names
        ? string.Join(" / ", names) : "FID";
    /// <summary>Some row ran several seeds: the table shows mean ± sd, the Δ's CI and the verdict.</summary>
    public bool HasSeeds => Rows.Any(r => r.Seeds is not null);
}

/// <summary>Everything the report and plots are made of, read from results/ only (never training).</summary>
public sealed record ReportModel(string Profile, Profile ProfileInfo, IReadOnlyList<TableResult> Tables)
{
    public IEnumerable<RowResult> Rows => Tables.SelectMany(t => t.Rows);

    public RowResult? Find(string fullId) => Rows.FirstOrDefault(r => r.Row.FullId == fullId);

    /// <summary>The reference rows (the floor): the probe on a random-init encoder and on raw pixels (not the fine-tuned scratch encoder).</summary>
    public IReadOnlyList<RowResult> References =>
        Rows.Where(r => r.Config.Text("probe.encoder") != "trained" && !r.Config.Bool("finetune.enabled")).ToList();

    public static ReportModel Load(ExperimentRegistry registry, ResultStore store, string profile)
    {
        var loaded = registry.Tables.ToDictionary(t => t.Id, t => t.Rows.Select(r => LoadRow(registry, store, profile, r)).ToList());
        var byId = loaded.Values.SelectMany(rows => rows).ToDictionary(r => r.Row.FullId, StringComparer.Ordinal);
        var tables = registry.Tables.Select(table => new TableResult(table, loaded[table.Id],
            table.Rows.Select((_, i) => table.PreviousId(i) is { } id ? byId[id] : null).ToList())).ToList();
        return new ReportModel(profile, registry.Profile(profile), tables);
    }

    /// <summary>The resolved latent dimension per token d (the config holds it as the text of an integer).</summary>
    public static int LatentDim(ConfigTree config) => int.Parse(config.Text("tokenizer.latent_dim"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The profile at the paper's own scale, whose d the paper's numbers were measured at.</summary>
    public const string PaperProfile = "paper";

    static RowResult LoadRow(ExperimentRegistry registry, ResultStore store, string profile, ExperimentRow row)
    {
        var config = registry.Resolve(row, profile);
        var paperConfig = registry.Profiles.ContainsKey(PaperProfile) ? registry.Resolve(row, PaperProfile) : null;
        var metrics = store.TryLoad(profile, row.FullId);
        // A row of several seeds shows seed 1's training curve and figures (the aggregate folder holds only metrics).
        var paths = store.Row(profile, metrics?.Seeds is null ? row.FullId : SeedRuns.Id(row.FullId, 1));
        var figuresDir = Path.Combine(paths.Dir, "figures");
        var figures = Directory.Exists(figuresDir)
            ? Directory.GetFiles(figuresDir, "*.png").Order(StringComparer.Ordinal).ToList()
            : [];
        return new RowResult(
            row,
            config,
            metrics,
            metrics is null ? Availability.Missing(config) : null,
            // A result from another configuration (the row's YAML or the method changed since it ran).
            metrics is not null && metrics.ConfigHash != config.Hash(),
            metrics is null ? TrainingLog.Empty : TrainingLog.Read(paths.Log),
            figures)
        {
            PaperLatentDim = paperConfig is null ? null : LatentDim(paperConfig),
            PaperPatchDim = paperConfig is null ? null : (int)paperConfig.Int("tokenizer.patch_dim"),
            Runs = metrics is null ? [] : RunsOf(store, profile, row.FullId, metrics),
            FineTuneCurve = metrics is null ? [] : Harness.Results.FineTuneCurve.Read(Path.Combine(paths.Dir, Harness.Results.FineTuneCurve.FileName)),
        };
    }

    /// <summary>
    /// Each seed's own metrics.json; a seed whose folder is missing is an error, since the aggregate's provenance is
    /// seed 1's and its wall time the seeds' mean: neither describes the missing run.
    /// </summary>
    static IReadOnlyList<RowMetrics> RunsOf(ResultStore store, string profile, string rowId, RowMetrics metrics) =>
        metrics.Seeds is not { } seeds
            ? [metrics]
            : seeds.Values.Select(v => SeedRuns.Id(rowId, v.Seed)).Select(seed => store.TryLoad(profile, seed)
                ?? throw new InvalidDataException($"{rowId}: its metrics.json aggregates {seed}, whose metrics.json is missing")).ToList();
}
