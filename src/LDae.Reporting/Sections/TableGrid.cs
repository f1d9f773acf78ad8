using System.Globalization;
using System.Text;
using LDae.Harness.Config;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>
/// A table's rows as a Markdown table. Columns that would be empty for the whole table are left out: the paper's
/// (when it gives no per-row numbers), FID (when neither side has one); d, Probe and k are shown when the table varies them.
/// </summary>
static class TableGrid
{
    public static void Write(StringBuilder md, TableResult t)
    {
        var paper = t.HasPaperNumbers;
        var fid = t.HasFid;
        var seeds = t.HasSeeds;
        // fine-tuned rows (Appendix B) have a fine-tuned top-1 and no frozen-encoder probe, so no kNN
        var fineTuned = IsFineTuning(t);
        var dim = t.Rows.Where(r => r.Config.Text("tokenizer.kind") != "pixels").Select(r => r.Config.Text("tokenizer.latent_dim")).Distinct().Count() > 1;
        var encoders = t.Rows.Where(r => r.Config.Text("probe.encoder") != "raw-pixels").ToList();
        var probe = encoders.Select(r => ProbeCell(r.Config)).Distinct().Count() > 1;
        var blocks = encoders.Select(r => r.Config.Int("probe.split")).Distinct().Count() > 1;
        var head = new List<(string Name, string Align)> { ("#", "---:"), ("Row", "---") };
        if (dim) head.Add(("d", "---:"));
        if (probe) head.Add(("Probe", "---"));
        if (blocks) head.Add(("k", "---:"));
        if (paper) head.Add(("Paper", "---:"));
        head.Add((fineTuned ? "Ours (fine-tuned)" : "Ours", "---:"));
        if (!fineTuned) head.Add(("kNN", "---:"));
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
            if (prev is not null && (i == 0 || prev != t.Rows[i - 1])) title += $" (vs {Format.Cell(r.Versus(prev, id => $"`{id}`"))})";
            var m = r.Metrics;
            var cells = new List<string> { Format.Integer(i + 1), title };
            if (dim) cells.Add(r.Config.Text("tokenizer.kind") == "pixels" ? "—" : r.Config.Text("tokenizer.latent_dim"));
            if (probe) cells.Add(ProbeCell(r.Config));
            if (blocks) cells.Add(BlocksCell(r.Config));
            if (paper) cells.Add(Opt(r.Row.Paper.Acc));
            cells.Add(r.Seeds is { } sr ? Format.MeanSd(sr.ProbeTop1) + (r.Stale ? " †" : "") : Ours(r));
            if (!fineTuned) cells.Add(r.Seeds is { } sk ? Format.MeanSd(sk.KnnTop1) : OptOurs(m?.KnnTop1));
            if (fid) { cells.Add(Opt(r.Row.Paper.Fid)); cells.Add(OursDistance(m?.Generation, r.Seeds?.Generation)); }
            if (paper) cells.Add(OptDelta(cmp.PaperDelta));
            cells.Add(cmp.SameConfigurationAs is { } same ? $"same configuration as `{same}` at this profile"
                : cmp.Interval is { } ci ? Format.DeltaCi(ci) : OptDelta(cmp.OursDelta));
            if (paper) cells.Add(seeds ? ReportCells.VerdictCell(cmp.Verdict) : Mark(cmp.Direction));
            // what the row trained (the model its configuration builds): a change of architecture shows here (docs/rows.md)
            cells.Add(m is null || m.Parameters <= 0 ? "—" : m.Parameters.ToString("N0", CultureInfo.InvariantCulture));
            cells.Add(m is null ? "—" : Format.Duration(m.WallSeconds));
            cells.Add(m is null || m.ImagesPerSecond <= 0 ? "—" : Format.Rate(m.ImagesPerSecond));
            md.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
        }
        md.Append('\n');
    }

    /// <summary>Whether every row of the table is evaluated by fine-tuning the encoder end to end (Appendix B).</summary>
    public static bool IsFineTuning(TableResult t) => t.Rows.Count > 0 && t.Rows.All(r => r.Config.Bool("finetune.enabled"));

    static string ProbeCell(ConfigTree c) => c.Text("probe.encoder") == "raw-pixels" ? "—"
        : $"t = {Format.Integer(c.Int("probe.t"))}, {(c.Bool("probe.noisy_input") ? "noisy" : "clean")}";

    /// <summary>"k of depth"; — where there is no such split (raw pixels, or k outside 1 … depth − 1 at this profile).</summary>
    static string BlocksCell(ConfigTree c)
    {
        long k = c.Int("probe.blocks"), depth = c.Int("backbone.depth");
        return c.Text("probe.encoder") == "raw-pixels" || k < 1 || k >= depth ? "—" : $"{Format.Integer(k)} of {Format.Integer(depth)}";
    }

    static string Ours(RowResult r) =>
        r.Ours is { } v ? Format.Percent(v) + (r.Stale ? " †" : "")
        : r.HasRun ? "—" + (r.Stale ? " †" : "")
        : $"*{Format.Cell(r.Missing)}*";

    static string Opt(double? v) => v is { } x ? Format.Percent(x) : "";
    static string OptOurs(double? v) => v is { } x ? Format.Percent(x) : "—";

    /// <summary>A Fréchet distance to three significant digits: a stand-in metric's scale can be far below FID's.</summary>
    static string OursDistance(GenerationMetrics? g, SeedStatistic? seeds) => g is null ? "—"
        : seeds is { Sd: { } sd, N: var n } ? $"{G3(g.Value)} ± {G3(sd)} (n={n})" : G3(g.Value);

    static string G3(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    static string OptDelta(double? v) => v is { } x ? Format.Delta(x) : "—";
    static string Mark(Direction d) => d switch { Direction.Agrees => "✓", Direction.Disagrees => "✗", _ => "—" };
}
