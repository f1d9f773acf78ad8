using System.Globalization;

namespace LDae.Benchmarks;

/// <summary>
/// Resident memory of this process from <c>/proc/self/status</c> (Linux): VmRSS is what is resident now, VmHWM
/// its high-water mark. Native libtorch allocations are included, which is the point: a tensor that is never
/// disposed shows up here and nowhere in the .NET heap statistics.
/// </summary>
public static class ProcessMemory
{
    /// <summary>Current resident set size in bytes (VmRSS); null where /proc is not available.</summary>
    public static long? ResidentBytes() => Read("VmRSS:");

    /// <summary>Peak resident set size in bytes (VmHWM); null where /proc is not available.</summary>
    public static long? PeakResidentBytes() => Read("VmHWM:");

    /// <summary>
    /// Resets the peak (VmHWM) to the current RSS, so a later <see cref="PeakResidentBytes"/> is the peak of what ran
    /// in between (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0). False where that is not possible.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// Minor page faults of this process so far (field 10 of /proc/self/stat): memory the kernel had to map in, and
    /// zero-fill, on first touch — what an allocator that returns freed memory to the kernel costs on every reuse.
    /// Null where /proc is not available.
    /// </summary>
    public static long? MinorPageFaults()
    {
        try { return ParseMinorFaults(File.ReadAllText("/proc/self/stat")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>minflt from a /proc/[pid]/stat line; the command name (field 2) may contain spaces and parentheses.</summary>
    public static long? ParseMinorFaults(string stat)
    {
        int close = stat.LastIndexOf(')');
        if (close < 0) return null;
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so minflt (field 10) is fields[7]
        return fields.Length > 7 && long.TryParse(fields[7], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>The 1-, 5- and 15-minute load averages (/proc/loadavg); null where not available.</summary>
    public static double[]? LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Take(3).Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }

    /// <summary>Parses a "Key:   1234 kB" line of /proc/self/status.</summary>
    public static long? ParseKilobytes(string line)
    {
        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)
            ? kb * 1024 : null;
    }

    static long? Read(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key, StringComparison.Ordinal)) return ParseKilobytes(line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
