namespace LDae.Runtime;

/// <summary>
/// Whether this CPU computes bfloat16 products natively: AMX (amx_bf16) or AVX-512 BF16 (avx512_bf16, the
/// VDPBF16PS dot product that doubles the float32 FMA rate). Without either, libtorch still accepts bfloat16 but
/// emulates it through float32 conversions, slower than float32 itself, so a bf16 run is refused rather than run
/// slowly under a name that promises speed.
/// </summary>
public static class Bf16Support
{
    /// <summary>The CPU flags that carry native bfloat16 products, best first.</summary>
    public static readonly IReadOnlyList<string> Features = ["amx_bf16", "avx512_bf16"];

    /// <summary>The best native bfloat16 feature among /proc/cpuinfo's flags, or null (none, or not Linux).</summary>
    public static string? CpuFeature() => Cached.Value;

    /// <summary>The best native bfloat16 feature among the "flags" lines of a /proc/cpuinfo text, or null.</summary>
    public static string? CpuFeature(string cpuinfo)
    {
        var flags = cpuinfo.Split('\n')
            .Where(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Contains(':'))
            .SelectMany(l => l[(l.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);
        return Features.FirstOrDefault(flags.Contains);
    }

    static readonly Lazy<string?> Cached = new(() =>
    {
        try { return OperatingSystem.IsLinux() ? CpuFeature(File.ReadAllText("/proc/cpuinfo")) : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    });
}
