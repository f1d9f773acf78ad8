using System.Text;
using LDae.Harness.Results;

namespace LDae.Reporting;

/// <summary>
/// The report as Markdown, generated from the numbers only. Everything is in a fixed order (tables and rows in
/// the paper's order, other lists sorted ordinally), numbers use fixed invariant formats and the only dates are
/// those of the metrics, so the same results always give the same bytes.
/// </summary>
public static class ReportMarkdown
{
    /// <summary>l-DAE "clearly" beats the random-init floor when its accuracy is at least this many points higher.</summary>
    public const double ClearMargin = 5.0;

    public static string Render(ReportModel model, IReadOnlyList<ReportFigure> figures)
    {
        var md = new StringBuilder();
        Header(md, model);
        Summary(md, model);
        HowToRead(md, model);
        foreach (var t in model.Tables)
        {
            Table(md, model, t, figures.Where(f => f.Section == t.Table.Id).ToList());
            StudyStepsSection.Write(md, model, t, figures);
        }
        var shared = figures.Where(f => f.Section == ReportFigures.SharedSection).ToList();
        if (shared.Count > 0)
        {
            md.Append("## Figures shared by several rows\n\n");
            foreach (var f in shared) Figure(md, f);
        }
        var schedules = figures.Where(f => f.Section == ReportFigures.SchedulesSection).ToList();
        if (schedules.Count > 0)
        {
            md.Append("## Noise schedules\n\n");
            foreach (var f in schedules) Figure(md, f);
        }
        Provenance(md, model);
        return md.ToString();
    }

    static void Header(StringBuilder md, ReportModel model)
    {
        md.Append($"# LDae results — profile `{model.Profile}`\n\n");
        md.Append("A reproduction of *Deconstructing Denoising Diffusion Models for Self-Supervised Learning* (Chen, Liu, Xie, He 2024). ");
        md.Append($"Profile `{model.Profile}`: {model.ProfileInfo.Description}.\n\n");
        md.Append($"Every number below is read from `results/{model.Profile}/`; no result is typed by hand. ");
        md.Append("**Paper** is the paper's linear-probe top-1 (%) on ImageNet (ViT-½L, 400 epochs) (the paper's tables, as given in `experiments/*.yaml`); ");
        md.Append("**Ours** is our linear-probe top-1 (%) at this profile — different data and scale, so compare the direction of each step, not the level.\n\n");
    }

    static void Summary(StringBuilder md, ReportModel model)
    {
        md.Append("## Summary\n\n");
        var rows = model.Rows.ToList();
        var done = rows.Count(r => r.HasRun);
        var notRun = rows.Where(r => !r.HasRun && r.Unavailable is null).ToList();
        var unavailable = rows.Where(r => !r.HasRun && r.Unavailable is not null).ToList();
        md.Append($"- Results: {done} of {rows.Count} rows completed; {notRun.Count} not run; {unavailable.Count} not available yet.\n");

        foreach (var t in model.Tables.Where(t => t.HasPaperNumbers)) StepSummary(md, t);

        NoiseFloor(md, model);
        Floor(md, model);

        if (notRun.Count > 0)
            md.Append("- Not run: " + string.Join(", ", notRun.Select(r => $"`{r.Row.FullId}`")) + ".\n");
        foreach (var g in unavailable.GroupBy(r => r.Unavailable!).OrderBy(g => g.Key, StringComparer.Ordinal))
            md.Append($"- {Capitalize(g.Key)}: {g.Count()} row{(g.Count() == 1 ? "" : "s")} ({string.Join(", ", g.Select(r => $"`{r.Row.FullId}`"))}).\n");
        var stale = rows.Where(r => r.Stale).ToList();
        if (stale.Count > 0)
            md.Append("- Results from a different configuration than the row's current one (†, to re-run): " + string.Join(", ", stale.Select(r => $"`{r.Row.FullId}`")) + ".\n");
        md.Append('\n');
    }

    /// <summary>
    /// How a table's steps compare with the paper's. Where its rows ran several seeds a step counts as agreeing (or
    /// disagreeing) only when the 95 % CI of our Δ excludes 0; the others are within noise, or have one seed on a side
    /// (no interval). With one seed per row a step is judged on the direction of its Δ.
    /// </summary>
    static void StepSummary(StringBuilder md, TableResult t)
    {
        var steps = t.Rows.Select((r, i) => (Row: r, Cmp: r.StepFrom(t.Previous[i]), Prev: t.Previous[i]))
            .Where(s => s.Prev is not null).ToList();
        bool seeds = t.HasSeeds;
        bool Agrees(StepComparison c) => seeds ? c.Verdict == Verdict.Agrees : c.Direction == Direction.Agrees;
        bool Disagrees(StepComparison c) => seeds ? c.Verdict == Verdict.Disagrees : c.Direction == Direction.Disagrees;
        bool Unmeasured(StepComparison c) => !c.PaperFlat && (seeds ? c.Verdict == Verdict.None : c.Direction == Direction.None);
        var agree = steps.Count(s => Agrees(s.Cmp));
        var disagree = steps.Where(s => Disagrees(s.Cmp)).ToList();
        var within = seeds ? steps.Count(s => s.Cmp.Verdict == Verdict.WithinNoise) : 0;
        var oneSeed = seeds ? steps.Count(s => s.Cmp.Verdict == Verdict.OneSeed) : 0;
        var judged = agree + disagree.Count + within;
        md.Append($"- {ReportFigures.ShortTitle(t)}: ");
        if (judged == 0)
            md.Append(seeds ? "no step has results over seeds on both sides yet" : "no step can be compared with the paper yet");
        else if (seeds)
            md.Append($"{agree} of {judged} step{S(judged)} agree{(judged == 1 ? "s" : "")} with the paper beyond noise (95 % CI of our Δ excludes 0, same sign); {within} within noise (CI contains 0)");
        else
            md.Append($"{agree} of {judged} comparable step{S(judged)} agree{(judged == 1 ? "s" : "")} in direction with the paper");
        if (disagree.Count > 0)
            md.Append((seeds ? ". Disagree beyond noise: " : ". Disagree: ") + string.Join("; ", disagree.Select(s =>
                $"{s.Row.Row.Title} (paper {Format.Delta(s.Cmp.PaperDelta!.Value)}, ours {(seeds ? Format.DeltaCi(s.Cmp.Interval!) : Format.Delta(s.Cmp.OursDelta!.Value))})")));
        var other = new List<string>();
        if (oneSeed > 0) other.Add($"{oneSeed} step{S(oneSeed)} with one seed on a side (no interval)");
        var flat = steps.Count(s => s.Cmp.PaperFlat);
        if (flat > 0) other.Add($"{flat} step{S(flat)} where the paper shows no change");
        var same = steps.Count(s => s.Cmp.SameConfigurationAs is not null);
        if (same > 0) other.Add($"{same} step{S(same)} whose two rows are one configuration at this profile");
        var missing = steps.Count(s => s.Cmp.SameConfigurationAs is null && Unmeasured(s.Cmp));
        if (missing > 0) other.Add($"{missing} step{S(missing)} without both results");
        md.Append(other.Count > 0 ? $". {(seeds ? "Not judged" : "Not comparable")}: {string.Join(", ", other)}.\n" : ".\n");
    }

    /// <summary>
    /// What size of difference this profile can resolve: the sd of the same row's linear-probe top-1 over its seeds,
    /// across the rows that ran several seeds. Said only when some row did.
    /// </summary>
    static void NoiseFloor(StringBuilder md, ReportModel model)
    {
        var sds = model.Rows.Where(r => r.OursSd is not null).Select(r => (Sd: r.OursSd!.Value, r.Seeds!.N)).ToList();
        if (sds.Count == 0) return;
        var ordered = sds.Select(s => s.Sd).Order().ToList();
        var median = ordered.Count % 2 == 1 ? ordered[ordered.Count / 2] : (ordered[ordered.Count / 2 - 1] + ordered[ordered.Count / 2]) / 2;
        var seeds = string.Join(", ", sds.Select(s => s.N).Distinct().Order().Select(n => Format.Integer(n)));
        md.Append($"- Noise floor at `{model.Profile}`: the sd of a row's linear-probe top-1 over its seeds is {Format.Number(median, "0.00")} points (median of {sds.Count} row{S(sds.Count)}; ");
        md.Append($"range {Format.Number(ordered[0], "0.00")}–{Format.Number(ordered[^1], "0.00")}; {seeds} seeds per row). ");
        md.Append("A step smaller than about twice that cannot be told from the seed.\n");
    }

    /// <summary>l-DAE against the references it is built from: the random-init encoder and the raw pixels.</summary>
    static void Floor(StringBuilder md, ReportModel model)
    {
        var random = model.References.FirstOrDefault(r => r.Config.Text("probe.encoder") == "random-init");
        if (random?.Row.From is not { } ldaeId || model.Find(ldaeId) is not { } ldae) return;
        var pixels = model.References.FirstOrDefault(r => r.Config.Text("probe.encoder") == "raw-pixels");
        var name = $"l-DAE (`{ldae.Row.FullId}`)";
        if (ldae.Ours is not { } ours)
        {
            md.Append($"- {name} has no result yet ({ldae.Missing}): whether it beats the random-init encoder cannot be judged.\n");
            return;
        }
        if (random.Ours is not { } floor)
            md.Append($"- {name}: {Format.Percent(ours)}; the random-init encoder has no result ({random.Missing}), so the margin over it cannot be judged.\n");
        else
        {
            var margin = ours - floor;
            var verdict = margin >= ClearMargin ? "clearly beats" : margin > 0 ? "beats, but not clearly (less than 5 points)," : "does not beat";
            md.Append($"- {name} {verdict} the random-init encoder: {Format.Percent(ours)} vs {Format.Percent(floor)} ({Format.Delta(margin)} points; \"clearly\" means at least {Format.Number(ClearMargin, "0")} points).\n");
        }
        if (pixels?.Ours is { } px)
            md.Append($"- {name} vs the probe on raw pixels: {Format.Percent(ours)} vs {Format.Percent(px)} ({Format.Delta(ours - px)} points).\n");
        else if (pixels is not null)
            md.Append($"- The probe on raw pixels has no result ({pixels.Missing}).\n");
    }

    static void HowToRead(StringBuilder md, ReportModel model)
    {
        md.Append("## How to read the tables\n\n");
        md.Append("- **Paper**: the paper's number for the row; empty where the paper gives none. Tables for which the paper gives no per-row numbers have no Paper, Δ (paper) and direction columns.\n");
        md.Append("- **d**: the latent dimension per token of the row at this profile (shown where the table varies it; D = p²·C is the patch dimension).\n");
        md.Append("- **Ours** / **kNN**: top-1 (%) of the linear probe / of the k-nearest-neighbour classifier on our frozen encoder. ");
        md.Append("*not run* where the row has no completed result (no metrics.json); *not available yet: needs …* where a part of the method it needs does not exist yet.\n");
        md.Append("- **Δ vs previous row**: the row minus its previous row, in percentage points. The previous row is the row's parent in its chain of changes (its `from`) ");
        md.Append("when that parent is in the same table, otherwise the row printed above it; a table's first row has none. ");
        md.Append("Where the previous row is not the one above, the row's title names it (\"vs …\").\n");
        md.Append("- **direction agrees**: ✓ when our Δ has the same sign as the paper's, ✗ when it does not, — when either Δ is missing or the paper's Δ is 0.0 (no direction to agree with).\n");
        if (model.Tables.Any(t => t.HasSeeds))
        {
            md.Append("- Tables whose rows ran several seeds show **Ours** and **kNN** as mean ± sd (n = seeds), our Δ with its 95 % confidence interval ");
            md.Append("(a paired t-interval over the seeds both rows share, Welch's t otherwise; docs/statistics.md) and a **verdict** instead of the direction: ");
            md.Append("*agrees* / *disagrees* when the interval excludes 0 and the sign is / is not the paper's, *within noise* when it contains 0, *1 seed* when a side has no interval.\n");
        }
        md.Append("- **Probe** / **k**: the probe's time step t and clean or noisy input / the blocks it reads after, of the model's depth (shown where the table varies them; every other row is probed at t = 10 with clean input after the encoder, depth/2 blocks, as the paper's tables).\n");
        md.Append($"- The linear probe of this run: {ProbeProtocol(model)}.\n");
        md.Append("- **Wall time** (h:mm:ss): the whole row, pretraining and probes. **Images/s**: pretraining throughput; — for rows without pretraining.\n");
        md.Append("- † after our number: the result was computed from a different configuration than the row's current one (its YAML or the method changed since); re-run the row.\n");
        md.Append("- Training curves are drawn for completed rows only; the reference rows (random-init encoder, raw pixels) are the floor every table stands on.\n\n");
    }

    static void Table(StringBuilder md, ReportModel model, TableResult t, IReadOnlyList<ReportFigure> figures)
    {
        md.Append($"## {t.Table.Title}\n\n");
        if (!string.IsNullOrWhiteSpace(t.Table.Description)) md.Append(t.Table.Description.Trim().ReplaceLineEndings(" ")).Append("\n\n");

        // Columns that would be empty for the whole table are left out: the paper's (when it gives no per-row
        // numbers), FID (when neither side has one); d is shown when the table varies it.
        var paper = t.HasPaperNumbers;
        var fid = t.HasFid;
        var seeds = t.HasSeeds;
        var dim = t.Rows.Where(r => r.Config.Text("tokenizer.kind") != "pixels").Select(r => r.Config.Text("tokenizer.latent_dim")).Distinct().Count() > 1;
        var encoders = t.Rows.Where(r => r.Config.Text("probe.encoder") != "raw-pixels").ToList();
        var probe = encoders.Select(r => ProbeCell(r.Config)).Distinct().Count() > 1;
        var blocks = encoders.Select(r => r.Config.Int("probe.split")).Distinct().Count() > 1;
        var head = new List<(string Name, string Align)> { ("#", "---:"), ("Row", "---") };
        if (dim) head.Add(("d", "---:"));
        if (probe) head.Add(("Probe", "---"));
        if (blocks) head.Add(("k", "---:"));
        if (paper) head.Add(("Paper", "---:"));
        head.Add(("Ours", "---:"));
        head.Add(("kNN", "---:"));
        if (fid) { head.Add(("FID (paper)", "---:")); head.Add(($"{t.GenerationMetric} (ours)", "---:")); }
        if (paper) head.Add(("Δ vs previous row (paper)", "---:"));
        head.Add((seeds ? "Δ vs previous row (ours, 95 % CI)" : "Δ vs previous row (ours)", "---:"));
        if (paper) head.Add((seeds ? "verdict" : "direction agrees", ":---:"));
        head.Add(("Parameters", "---:"));
        head.Add(("Wall time", "---:"));
        head.Add(("Images/s", "---:"));
        md.Append("| ").Append(string.Join(" | ", head.Select(h => h.Name))).Append(" |\n");
        md.Append('|').Append(string.Join("|", head.Select(h => h.Align))).Append("|\n");
        for (int i = 0; i < t.Rows.Count; i++)
        {
            var r = t.Rows[i];
            var prev = t.Previous[i];
            var cmp = r.StepFrom(prev);
            var title = Format.Cell(r.Row.Title);
            if (prev is not null && (i == 0 || prev != t.Rows[i - 1])) title += $" (vs {Format.Cell(prev.Row.Title)})";
            var m = r.Metrics;
            var cells = new List<string> { Format.Integer(i + 1), title };
            if (dim) cells.Add(r.Config.Text("tokenizer.kind") == "pixels" ? "—" : r.Config.Text("tokenizer.latent_dim"));
            if (probe) cells.Add(ProbeCell(r.Config));
            if (blocks) cells.Add(BlocksCell(r.Config));
            if (paper) cells.Add(Opt(r.Row.Paper.Acc));
            cells.Add(r.Seeds is { } sr ? Format.MeanSd(sr.ProbeTop1) + (r.Stale ? " †" : "") : Ours(r));
            cells.Add(r.Seeds is { } sk ? Format.MeanSd(sk.KnnTop1) : OptOurs(m?.KnnTop1));
            if (fid) { cells.Add(Opt(r.Row.Paper.Fid)); cells.Add(OursDistance(m?.Generation, r.Seeds?.Generation)); }
            if (paper) cells.Add(OptDelta(cmp.PaperDelta));
            cells.Add(cmp.SameConfigurationAs is { } same ? $"same configuration as `{same}` at this profile"
                : cmp.Interval is { } ci ? Format.DeltaCi(ci) : OptDelta(cmp.OursDelta));
            if (paper) cells.Add(seeds ? VerdictCell(cmp.Verdict) : Mark(cmp.Direction));
            // what the row trained (the model its configuration builds): a change of architecture shows here (docs/rows.md)
            cells.Add(m is null || m.Parameters <= 0 ? "—" : m.Parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            cells.Add(m is null ? "—" : Format.Duration(m.WallSeconds));
            cells.Add(m is null || m.ImagesPerSecond <= 0 ? "—" : Format.Rate(m.ImagesPerSecond));
            md.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
        }
        md.Append('\n');

        var floor = model.References.Where(r => r.Row.Table != t.Table.Id).ToList();
        if (floor.Count > 0)
            md.Append("Floor (ours): " + string.Join(" · ", floor.Select(r => $"{r.Row.Title} {(r.Ours is { } v ? Format.Percent(v) : r.Missing)}")) + ".\n\n");

        MethodComparisons(md, t);
        FineTuneOrdering.Render(md, t);

        var notes = t.Rows.SelectMany(LogNotes).ToList();
        foreach (var n in notes) md.Append($"- {n}\n");
        if (notes.Count > 0) md.Append('\n');

        foreach (var f in figures) Figure(md, f);
    }

    /// <summary>
    /// Rows that change the pretraining method (Table 4: MAE and MoCo v3 against l-DAE at the same size and epochs): the
    /// gap between the two methods, the paper's and ours, and what each costs to pretrain here (MAE's encoder sees a
    /// quarter of the patches, so it is cheaper per epoch — the paper's point about its cost).
    /// </summary>
    static void MethodComparisons(StringBuilder md, TableResult t)
    {
        var pairs = t.Rows.Select((r, i) => (Row: r, Base: t.Previous[i]))
            .Where(p => p.Base is not null && p.Row.Config.Text("pretrain.method") != p.Base.Config.Text("pretrain.method")).ToList();
        if (pairs.Count == 0 || t.Rows.Any(r => r.Config.Bool("finetune.enabled"))) return; // fine-tuned methods: FineTuneOrdering
        md.Append("Method gaps (linear-probe top-1 of the first minus the second) and the pretraining cost of each at this profile:\n\n");
        foreach (var (row, baseRow) in pairs)
        {
            var step = row.StepFrom(baseRow);
            string Gap(double? delta) => delta is { } d ? Format.Delta(-d) : "—";
            var ours = step.Interval is { } ci ? $"{Format.Delta(-ci.Delta)} [{Format.Delta(-ci.CiHigh)}, {Format.Delta(-ci.CiLow)}]" : Gap(step.OursDelta);
            md.Append($"- {Format.Cell(baseRow!.Row.Title)} − {Format.Cell(row.Row.Title)}: paper {Gap(step.PaperDelta)}, ours {ours}");
            if (row.Metrics is { PretrainSeconds: > 0 } m && baseRow.Metrics is { PretrainSeconds: > 0 } b)
                md.Append($"; pretraining {Format.Rate(b.ImagesPerSecond)} vs {Format.Rate(m.ImagesPerSecond)} images/s, "
                          + $"{Format.Duration(b.PretrainSeconds)} vs {Format.Duration(m.PretrainSeconds)}");
            md.Append(".\n");
        }
        md.Append('\n');
    }

    static IEnumerable<string> LogNotes(RowResult r)
    {
        if (r.Log.SkippedLines > 0)
            yield return $"`{r.Row.FullId}`: {r.Log.SkippedLines} line{(r.Log.SkippedLines == 1 ? "" : "s")} of log.jsonl could not be read and {(r.Log.SkippedLines == 1 ? "was" : "were")} skipped.";
        if (r.Log.NonFiniteLosses > 0)
            yield return $"`{r.Row.FullId}`: {r.Log.NonFiniteLosses} logged step{(r.Log.NonFiniteLosses == 1 ? " has" : "s have")} a non-finite loss (not drawn).";
    }

    internal static void Figure(StringBuilder md, ReportFigure f)
    {
        if (f.File is null) md.Append($"*{f.Caption}*\n\n"); // nothing to draw: the line says why
        else md.Append($"![{f.Caption.Replace("[", "(").Replace("]", ")")}]({f.File})\n\n*{f.Caption}*\n\n");
    }

    static void Provenance(StringBuilder md, ReportModel model)
    {
        md.Append("## Provenance\n\n");
        var ran = model.Rows.Where(r => r.HasRun).ToList();
        if (ran.Count == 0)
        {
            md.Append($"No row has a result at profile `{model.Profile}` yet.\n");
            return;
        }
        var p = ran.Select(r => r.Metrics!.Provenance).ToList();
        md.Append($"From the metrics.json of the {ran.Count} completed row{(ran.Count == 1 ? "" : "s")} (distinct values, sorted; *dirty* = uncommitted changes in the checkout when the row ran).\n\n");
        md.Append("| Field | Value(s) |\n|---|---|\n");
        md.Append($"| Profile | `{model.Profile}` |\n");
        var commits = ran.GroupBy(r => (r.Metrics!.Provenance.GitCommit, r.Metrics.Provenance.GitDirty))
            .OrderBy(g => g.Key.GitCommit, StringComparer.Ordinal).ThenBy(g => g.Key.GitDirty)
            .Select(g => $"`{Format.Cell(g.Key.GitCommit)}` ({(g.Key.GitDirty ? "dirty" : "clean")}, {g.Count()} row{(g.Count() == 1 ? "" : "s")})");
        md.Append($"| Commits | {string.Join(", ", commits)} |\n");
        md.Append($"| Method version | {Distinct(p.Select(x => Format.Integer(x.MethodVersion)))} |\n");
        md.Append($"| Device | {Distinct(p.Select(x => x.Device))} |\n");
        md.Append($"| Threads | {Distinct(p.Select(x => Format.Integer(x.Threads)))} |\n");
        md.Append($"| Seeds | {Distinct(p.Select(x => Format.Integer(x.Seed)))} |\n");
        md.Append($"| Machines | {Distinct(p.Select(x => x.Machine))} |\n");
        md.Append($"| .NET | {Distinct(p.Select(x => x.Dotnet))} |\n");
        md.Append($"| TorchSharp | {Distinct(p.Select(x => x.TorchSharpVersion))} |\n");
        md.Append($"| LibTorch | {Distinct(p.Select(x => x.LibTorchVersion))} |\n");
        md.Append($"| Tokenizers | {Distinct(ran.Select(r => r.Metrics!.Tokenizer))} |\n");
        md.Append($"| Probe features | {Distinct(ran.Select(r => r.Metrics!.Probe?.Features ?? "not recorded"))} |\n");
        md.Append($"| Probe optimizer | {Distinct(ran.Select(r => r.Metrics!.Probe?.Optimizer ?? "not recorded"))} |\n");
        md.Append($"| First row started | {Format.Utc(p.Min(x => x.StartedUtc))} |\n");
        md.Append($"| Last row finished | {Format.Utc(p.Max(x => x.FinishedUtc))} |\n");
        md.Append($"| Total wall time of the rows | {Format.Duration(ran.Sum(r => r.Metrics!.WallSeconds))} |\n");
    }

    /// <summary>
    /// How the completed rows were probed, from their metrics: cached or augmented features and the optimizer
    /// (a row that ran before these were recorded counts as "not recorded").
    /// </summary>
    static string ProbeProtocol(ReportModel model)
    {
        var setups = model.Rows.Where(r => r.HasRun).Select(r => r.Metrics!.Probe).ToList();
        if (setups.Count == 0) return "no row has run yet";
        static string Features(string? f) => f switch
        {
            "augmented" => "augmented features (MAE's protocol: a random resized crop + flip of every training image each epoch through the frozen encoder, one center crop for testing and kNN)",
            "cached" => "cached features (one pass of the frozen encoder over the stored images, no augmentation)",
            ProbeSetup.FineTuned => "for the Appendix B rows, no probe: the encoder fine-tuned end to end (the table's recipe)",
            _ => "features not recorded",
        };
        var features = setups.Select(p => Features(p?.Features)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var optimizers = setups.Select(p => p?.Optimizer switch { "lars" => "LARS", "sgd" => "momentum SGD", _ => "optimizer not recorded" })
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return $"{string.Join("; ", features)}; {string.Join(", ", optimizers)}";
    }

    static string ProbeCell(Harness.Config.ConfigTree c) => c.Text("probe.encoder") == "raw-pixels" ? "—"
        : $"t = {Format.Integer(c.Int("probe.t"))}, {(c.Bool("probe.noisy_input") ? "noisy" : "clean")}";

    /// <summary>"k of depth"; — where there is no such split (raw pixels, or k outside 1 … depth − 1 at this profile).</summary>
    static string BlocksCell(Harness.Config.ConfigTree c)
    {
        long k = c.Int("probe.blocks"), depth = c.Int("backbone.depth");
        return c.Text("probe.encoder") == "raw-pixels" || k < 1 || k >= depth ? "—" : $"{Format.Integer(k)} of {Format.Integer(depth)}";
    }

    static string Distinct(IEnumerable<string> values) =>
        string.Join(", ", values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(Format.Cell));

    static string Ours(RowResult r) =>
        r.Ours is { } v ? Format.Percent(v) + (r.Stale ? " †" : "")
        : r.HasRun ? "—" + (r.Stale ? " †" : "")
        : $"*{Format.Cell(r.Missing)}*";

    static string Opt(double? v) => v is { } x ? Format.Percent(x) : "";
    static string OptOurs(double? v) => v is { } x ? Format.Percent(x) : "—";
    /// <summary>A Fréchet distance to three significant digits: a stand-in metric's scale can be far below FID's.</summary>
    static string OursDistance(GenerationMetrics? g, SeedStatistic? seeds) => g is null ? "—"
        : seeds is { Sd: { } sd, N: var n } ? $"{G3(g.Value)} ± {G3(sd)} (n={n})" : G3(g.Value);

    static string G3(double v) => v.ToString("G3", System.Globalization.CultureInfo.InvariantCulture);
    static string OptDelta(double? v) => v is { } x ? Format.Delta(x) : "—";
    static string Mark(Direction d) => d switch { Direction.Agrees => "✓", Direction.Disagrees => "✗", _ => "—" };
    internal static string VerdictCell(Verdict v) => v switch
    {
        Verdict.Agrees => "✓ agrees",
        Verdict.Disagrees => "✗ disagrees",
        Verdict.WithinNoise => "within noise",
        Verdict.OneSeed => "1 seed",
        _ => "—",
    };
    static string S(int n) => n == 1 ? "" : "s";
    static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
