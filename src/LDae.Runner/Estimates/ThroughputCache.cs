using LDae.Files;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LDae.Harness.Results;
using LDae.Runtime;

namespace LDae.Estimates;

/// <summary>A workload's measured speed relative to the 2048² matmul measured around it.</summary>
/// <param name="Efficiency">Achieved GFLOP/s over the best matmul GFLOP/s of the same minutes: on a shared machine both
/// slow down together, so the ratio is what carries over to a quiet machine.</param>
public sealed record MeasuredRate(double Efficiency, double Gflops, double MatmulGflops, DateTimeOffset Measured);

/// <summary>
/// What this machine measured, per <see cref="Workload.Key"/>, kept in one JSON file per machine
/// (<c>$LDAE_CACHE</c>, else <c>~/.cache/ldae</c>, <c>throughput-&lt;machine&gt;.json</c>; the machine is the CPU model,
/// core count and /etc/machine-id). <see cref="MatmulGflops"/> is the best 2048² matmul ever measured here at the
/// estimate's thread count: the quiet machine's speed, to which every workload's efficiency is applied.
/// </summary>
public sealed class ThroughputCache
{
    public Dictionary<string, MeasuredRate> Rates { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, double> MatmulGflopsByThreads { get; init; } = [];
    public string Machine { get; init; } = "";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The cache folder: <c>$LDAE_CACHE</c>, else <c>$XDG_CACHE_HOME/ldae</c>, else <c>~/.cache/ldae</c>.</summary>
    public static string Folder() =>
        Environment.GetEnvironmentVariable("LDAE_CACHE") is { Length: > 0 } dir ? dir
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "ldae");

    /// <summary>CPU model and logical cores, and a short hash that also covers /etc/machine-id.</summary>
    public static (string Description, string Id) ThisMachine()
    {
        string cpu = CpuName.OfThisMachine() ?? "unknown CPU";
        string id = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : Environment.MachineName;
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{cpu}|{Environment.ProcessorCount}|{id}")))[..12];
        return ($"{cpu}, {Environment.ProcessorCount} logical cores", hash);
    }

    public static string PathFor(string folder) => Path.Combine(folder, $"throughput-{ThisMachine().Id}.json");

    public static ThroughputCache Load(string path)
    {
        if (!File.Exists(path)) return new ThroughputCache { Machine = ThisMachine().Description };
        try { return JsonSerializer.Deserialize<ThroughputCache>(File.ReadAllText(path), Json) ?? new ThroughputCache(); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a throughput cache ({e.Message}); delete it to measure again", e); }
    }

    public void Save(string path) => AtomicFile.WriteText(path, JsonSerializer.Serialize(this, Json) + "\n");

    public double? MatmulGflops(int threads) => MatmulGflopsByThreads.TryGetValue(threads.ToString(), out var g) ? g : null;

    /// <summary>Keeps the best matmul rate seen at this thread count.</summary>
    public void RecordMatmul(int threads, double gflops)
    {
        if (!(MatmulGflops(threads) >= gflops)) MatmulGflopsByThreads[threads.ToString()] = gflops;
    }
}
