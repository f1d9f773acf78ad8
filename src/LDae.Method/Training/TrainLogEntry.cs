using System.Text;
using System.Text.Json;

namespace LDae.Training;

/// <summary>
/// One line of a run's log.jsonl: the state after <see cref="Step"/> completed optimizer steps. Loss and parts
/// are means over the steps since the previous line. Serialised flat —
/// <c>{"step":…,"epoch":…,"lr":…,"loss":…,"&lt;part&gt;":…,"grad_norm":…,"images_per_s":…,"elapsed_s":…}</c> —
/// so a plotting script can read any column by name.
/// </summary>
public sealed record TrainLogEntry(
    long Step,
    double Epoch,
    double Lr,
    double Loss,
    IReadOnlyDictionary<string, double> Parts,
    double? GradNorm,
    double ImagesPerSecond,
    double ElapsedSeconds)
{
    public static readonly IReadOnlySet<string> ReservedNames =
        new HashSet<string> { "step", "epoch", "lr", "loss", "grad_norm", "images_per_s", "elapsed_s" };

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("step", Step);
            w.WriteNumber("epoch", Epoch);
            w.WriteNumber("lr", Lr);
            WriteNumberOrNull(w, "loss", Loss);
            foreach (var (name, value) in Parts) WriteNumberOrNull(w, name, value);
            if (GradNorm is double g) WriteNumberOrNull(w, "grad_norm", g);
            w.WriteNumber("images_per_s", Math.Round(ImagesPerSecond, 2));
            w.WriteNumber("elapsed_s", Math.Round(ElapsedSeconds, 3));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static TrainLogEntry Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var parts = new Dictionary<string, double>();
        foreach (var p in root.EnumerateObject())
            if (!ReservedNames.Contains(p.Name)) parts[p.Name] = Number(p.Value);
        return new TrainLogEntry(
            root.GetProperty("step").GetInt64(),
            root.GetProperty("epoch").GetDouble(),
            root.GetProperty("lr").GetDouble(),
            Number(root.GetProperty("loss")),
            parts,
            root.TryGetProperty("grad_norm", out var g) ? Number(g) : null,
            root.GetProperty("images_per_s").GetDouble(),
            root.GetProperty("elapsed_s").GetDouble());
    }

    /// <summary>All entries of a log.jsonl (empty if the file does not exist).</summary>
    public static IReadOnlyList<TrainLogEntry> ReadAll(string path) =>
        File.Exists(path)
            ? File.ReadLines(path).Where(l => l.Length > 0).Select(Parse).ToList()
            : [];

    // JSON has no NaN/Infinity; a diverged value is written as null and read back as NaN.
    static void WriteNumberOrNull(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();
}
