using System.Text;
using System.Text.Json;

namespace LDae.Harness.Execution;

/// <summary>
/// How far a running row's pretraining is, read from the log.jsonl its trainer appends to (one JSON object per
/// logged step, with the fractional <c>epoch</c>): the build needs no channel of its own into the row process.
/// </summary>
public static class RowProgress
{
    /// <summary>The last logged epoch over <paramref name="epochs"/> (0–1); null before the first log line.</summary>
    public static double? Read(string? logFile, double epochs)
    {
        if (logFile is null || epochs <= 0 || !File.Exists(logFile)) return null;
        string tail;
        try
        {
            using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = Math.Min(stream.Length, 8192);
            stream.Seek(-length, SeekOrigin.End);
            var buffer = new byte[length];
            stream.ReadExactly(buffer);
            tail = Encoding.UTF8.GetString(buffer);
        }
        catch (IOException)
        {
            return null;
        }
        foreach (var line in tail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Reverse())
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("epoch", out var e) && e.TryGetDouble(out var epoch))
                    return Math.Clamp(epoch / epochs, 0, 1);
            }
            catch (JsonException) { } // the first, cut line of the tail, or a line being written
        }
        return null;
    }
}
