using LDae.Files;
using System.Globalization;
using System.Text;

namespace LDae.Training;

/// <summary>
/// A run's training curve (its log.jsonl) as CSV, for plotting with any tool: one row per logged step with the
/// columns step, epoch, lr, loss, each named loss part, grad_norm, images_per_s and elapsed_s. A value that was
/// not finite (a diverged loss) or not logged is an empty cell.
/// </summary>
public static class TrainingCurveCsv
{
    public static string Render(IReadOnlyList<TrainLogEntry> entries)
    {
        var parts = entries.SelectMany(e => e.Parts.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var csv = new StringBuilder();
        csv.AppendJoin(',', ["step", "epoch", "lr", "loss", .. parts, "grad_norm", "images_per_s", "elapsed_s"]).Append('\n');
        foreach (var e in entries)
        {
            csv.Append(e.Step.ToString(CultureInfo.InvariantCulture));
            foreach (var value in new double?[] { e.Epoch, e.Lr, e.Loss }
                         .Concat(parts.Select(p => e.Parts.TryGetValue(p, out var v) ? v : (double?)null))
                         .Concat([e.GradNorm, e.ImagesPerSecond, e.ElapsedSeconds]))
                csv.Append(',').Append(value is { } v && double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
            csv.Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>Writes <paramref name="csvPath"/> (atomically) from the log at <paramref name="logPath"/>.</summary>
    public static void Write(string logPath, string csvPath) =>
        AtomicFile.Write(csvPath, s =>
        {
            var bytes = Encoding.UTF8.GetBytes(Render(TrainLogEntry.ReadAll(logPath)));
            s.Write(bytes);
        });
}
