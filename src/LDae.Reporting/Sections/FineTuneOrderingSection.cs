using System.Text;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>
/// The orderings the paper reads off its Appendix B, as measured: at each model size, the gaps between the three
/// fine-tuned methods (MAE − MoCo v3, l-DAE − MoCo v3, l-DAE − MAE) and between the fine-tuned l-DAE and the same
/// encoder fine-tuned from scratch — the paper's gap and ours, with its 95 % CI and verdict where the rows ran
/// several seeds, and whether the paper's two statements hold here: MoCo v3 below both autoencoders, and l-DAE ≈ MAE
/// at ViT-B (a gap whose CI contains 0, as the paper's 0.1 point is).
/// </summary>
static class FineTuneOrderingSection
{
    public static void Render(StringBuilder md, TableResult t)
    {
        var tuned = t.Rows.Where(r => r.Config.Bool("finetune.enabled")).ToList();
        if (tuned.Count == 0) return;
        md.Append("Fine-tuned methods against each other at the same size (top-1 of the first minus the second; 95 % CI and verdict where both rows ran several seeds):\n\n");
        foreach (var size in new[] { "base", "large" })
        {
            RowResult? Method(string method) => tuned.FirstOrDefault(r => r.Config.Text("backbone.size") == size
                && r.Config.Text("pretrain.method") == method && r.Config.Text("probe.encoder") == "trained");
            var (ldae, mae, moco) = (Method("denoising"), Method("mae"), Method("mocov3"));
            var scratch = tuned.FirstOrDefault(r => r.Config.Text("backbone.size") == size && r.Config.Text("probe.encoder") == "random-init");
            var name = size == "base" ? "ViT-B" : "ViT-L";
            var gaps = new List<(string Label, RowResult? A, RowResult? B)>
            {
                ("MAE − MoCo v3", mae, moco), ("l-DAE − MoCo v3", ldae, moco), ("l-DAE − MAE", ldae, mae),
            };
            if (scratch is not null) gaps.Add(("l-DAE − from scratch", ldae, scratch));
            foreach (var (label, a, b) in gaps.Where(g => g.A is not null && g.B is not null))
                md.Append($"- {name}, {label}: {Gap(a!, b!)}.\n");
            if (mae is not null && moco is not null && ldae is not null)
                md.Append($"- {name}, the paper's ordering \"MoCo v3 below both autoencoders\": {Below(moco, [mae, ldae])}.\n");
            if (size == "base" && ldae is not null && mae is not null)
                md.Append($"- {name}, the paper's \"l-DAE matches MAE\" ({Paper(ldae, mae)} points): {Matches(ldae, mae)}.\n");
        }
        md.Append('\n');
    }

    static StepComparison Compare(RowResult a, RowResult b) => a.StepFrom(b);

    static string Paper(RowResult a, RowResult b) => Compare(a, b).PaperDelta is { } d ? Format.Delta(d) : "—";

    static string Gap(RowResult a, RowResult b)
    {
        var c = Compare(a, b);
        var ours = c.Interval is { } ci ? Format.DeltaCi(ci) : c.OursDelta is { } d ? Format.Delta(d) : "not measured";
        var verdict = c.Interval is not null && c.PaperDelta is not null ? $" — {Verdict(c.Verdict)}" : "";
        return $"paper {Paper(a, b)}, ours {ours}{verdict}";
    }

    static string Verdict(Verdict v) => v switch
    {
        Harness.Results.Verdict.Agrees => "agrees",
        Harness.Results.Verdict.Disagrees => "disagrees",
        Harness.Results.Verdict.WithinNoise => "within noise",
        Harness.Results.Verdict.OneSeed => "1 seed",
        _ => "—",
    };

    /// <summary>Holds when every autoencoder is above MoCo v3: beyond noise with intervals, in sign with one seed.</summary>
    static string Below(RowResult moco, IReadOnlyList<RowResult> autoencoders)
    {
        var steps = autoencoders.Select(a => Compare(a, moco)).ToList();
        if (steps.Any(s => s.OursDelta is null)) return "not measured yet";
        if (steps.All(s => s.Interval is not null))
            return steps.All(s => s.Interval!.CiLow > 0) ? "holds beyond noise"
                : steps.Any(s => s.Interval!.CiHigh < 0) ? "does not hold: an autoencoder is below MoCo v3 beyond noise"
                : "not resolved: a gap is within noise";
        return steps.All(s => s.OursDelta > 0) ? "holds in sign (one seed: no interval)" : "does not hold in sign (one seed: no interval)";
    }

    /// <summary>A match is a gap whose 95 % CI contains 0; with one seed only the size of the gap can be given.</summary>
    static string Matches(RowResult ldae, RowResult mae)
    {
        var c = Compare(ldae, mae);
        if (c.OursDelta is not { } d) return "not measured yet";
        if (c.Interval is { } ci) return ci.ExcludesZero ? $"does not hold: the gap {Format.DeltaCi(ci)} excludes 0" : $"holds: the gap {Format.DeltaCi(ci)} contains 0";
        return $"one seed, gap {Format.Delta(d)} (no interval to judge a match)";
    }
}
