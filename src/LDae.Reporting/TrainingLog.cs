using System.Globalization;
using System.Text.Json;

namespace LDae.Reporting;

/// <summary>One logged training step: the loss and, for the original-image target, its two parts (unweighted).</summary>
public sealed record LossPoint(long Step, double Loss, double? Subspace, double? Residual);

/// <summary>Linear-probe accuracy (percent) measured during training, after an epoch.</summary>
public sealed record ProbePoint(double Epoch, double Top1);

/// <summary>
/// A row's log.jsonl read generically: objects with "step" and "loss" are training steps, objects with
/// "epoch" and "probe_top1" are probe measurements; other fields and other objects are ignored. A line that
/// does not parse (e.g. the last line of an interrupted write) is skipped and counted, never guessed at.
/// </summary>
public sealed record TrainingLog(IReadOnlyList<LossPoint> Loss, IReadOnlyList<ProbePoint> Probe, int SkippedLines, int NonFiniteLosses)
{
    public static readonly TrainingLog Empty = new([], [], 0, 0);

    public bool HasLossParts => Loss.Any(p => p.Subspace is not null || p.Residual is not null);

    public static TrainingLog Read(string path) => File.Exists(path) ? Parse(File.ReadLines(path)) : Empty;

    public static TrainingLog Parse(IEnumerable<string> lines)
    {
        var loss = new List<LossPoint>();
        var probe = new List<ProbePoint>();
        int skipped = 0, nonFinite = 0;
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var o = doc.RootElement;
                if (o.ValueKind != JsonValueKind.Object) { skipped++; continue; }
                if (Number(o, "step") is { } step && double.IsFinite(step) && Number(o, "loss") is { } l)
                {
                    // A diverged run logs NaN/Infinity (as strings): counted and reported, not plotted.
                    if (double.IsFinite(l)) loss.Add(new LossPoint((long)step, l, Finite(Number(o, "subspace")), Finite(Number(o, "residual"))));
                    else nonFinite++;
                }
                if (Number(o, "epoch") is { } epoch && double.IsFinite(epoch) && Number(o, "probe_top1") is { } top1 && double.IsFinite(top1))
                    probe.Add(new ProbePoint(epoch, top1));
            }
            catch (JsonException) { skipped++; }
        }
        // A resumed run may log a step twice: keep the last value of each step, in step order.
        var byStep = loss.GroupBy(p => p.Step).Select(g => g.Last()).OrderBy(p => p.Step).ToList();
        var byEpoch = probe.GroupBy(p => p.Epoch).Select(g => g.Last()).OrderBy(p => p.Epoch).ToList();
        return new TrainingLog(byStep, byEpoch, skipped, nonFinite);
    }

    static double? Number(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetDouble(out var d) => d,
            JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        };
    }

    static double? Finite(double? x) => x is { } v && double.IsFinite(v) ? v : null;
}
