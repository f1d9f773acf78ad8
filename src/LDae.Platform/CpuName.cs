namespace LDae.Runtime;

/// <summary>
/// The CPU as provenance and benchmarks name it: /proc/cpuinfo's model name with its family and model numbers, since
/// a virtual machine's model name alone ("AMD EPYC") covers generations whose speed and float order differ (Zen 1
/// without AVX-512, Zen 4 with AVX512_BF16).
/// </summary>
public static class CpuName
{
    /// <summary>This CPU's name, or null (not Linux, or unreadable).</summary>
    public static string? OfThisMachine() => Cached.Value;

    /// <summary>"model name (family F, model M)" from the first processor of a /proc/cpuinfo text; null without a model name.</summary>
    public static string? Of(string cpuinfo)
    {
        string? name = null, family = null, model = null;
        foreach (var line in cpuinfo.Split('\n'))
        {
            if (line.Trim().Length == 0 && name is not null) break; // the first processor's block ends
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            var (key, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (key == "model name") name ??= value;
            else if (key == "cpu family") family ??= value;
            else if (key == "model") model ??= value;
        }
        if (string.IsNullOrEmpty(name)) return null;
        return family is null || model is null ? name : $"{name} (family {family}, model {model})";
    }

    static readonly Lazy<string?> Cached = new(() =>
    {
        try { return OperatingSystem.IsLinux() ? Of(File.ReadAllText("/proc/cpuinfo")) : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    });
}
