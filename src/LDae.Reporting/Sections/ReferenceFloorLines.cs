using System.Text;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>The summary's lines for l-DAE against the references it is built from: the random-init encoder and the raw pixels.</summary>
static class ReferenceFloorLines
{
    /// <summary>l-DAE "clearly" beats the random-init floor when its accuracy is at least this many points higher.</summary>
    public const double ClearMargin = 5.0;

    public static void Write(StringBuilder md, ReportModel model)
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
}
