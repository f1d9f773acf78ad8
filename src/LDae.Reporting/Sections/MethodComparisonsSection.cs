using System.Text;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>
/// Rows that change the pretraining method (Table 4: MAE and MoCo v3 against l-DAE at the same size and epochs): the
/// gap between the two methods, the paper's and ours, and what each costs to pretrain here (MAE's encoder sees a
/// quarter of the patches, so it is cheaper per epoch — the paper's point about its cost).
/// </summary>
static class MethodComparisonsSection
{
    public static void Write(StringBuilder md, TableResult t)
    {
        var pairs = t.Rows.Select((r, i) => (Row: r, Base: t.Previous[i]))
            .Where(p => p.Base is not null && p.Row.Config.Text("pretrain.method") != p.Base.Config.Text("pretrain.method")).ToList();
        if (pairs.Count == 0 || t.Rows.Any(r => r.Config.Bool("finetune.enabled"))) return; // fine-tuned methods: FineTuneOrderingSection
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
}
