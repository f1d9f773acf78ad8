using LDae.Files;
using System.Text.Json;
using LDae.Harness.Results;

namespace LDae.Harness.Execution.Slurm;

/// <summary>A submitted job as the ledger records it.</summary>
public sealed record LedgerEntry(string Step, string Job, string Log, DateTimeOffset SubmittedUtc);

/// <summary>
/// <c>results/&lt;profile&gt;/slurm/jobs.json</c>: the jobs a build submitted and has not yet seen end. A build with
/// --no-wait (or one stopped while following) leaves them here; <c>./build.sh --target=report</c> follows them
/// to their end, shows how each ended, and removes them.
/// </summary>
public sealed class JobLedger(string path)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public string Path { get; } = path;

    public static JobLedger For(string resultsRoot, string profile) => new(System.IO.Path.Combine(SlurmJob.Folder(resultsRoot, profile), "jobs.json"));

    public IReadOnlyList<LedgerEntry> Read()
    {
        if (!File.Exists(Path)) return [];
        try
        {
            return JsonSerializer.Deserialize<List<LedgerEntry>>(File.ReadAllText(Path), Json) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Path}: not a job ledger ({e.Message}); delete it to forget the jobs it listed", e);
        }
    }

    /// <summary>Records a submission (replacing an older job of the same step).</summary>
    public void Add(LedgerEntry entry) =>
        Write(Read().Where(e => e.Step != entry.Step).Append(entry));

    /// <summary>Forgets jobs that ended.</summary>
    public void Remove(IEnumerable<string> jobs)
    {
        var gone = jobs.ToHashSet();
        var left = Read().Where(e => !gone.Contains(e.Job)).ToList();
        if (left.Count == 0) File.Delete(Path);
        else Write(left);
    }

    void Write(IEnumerable<LedgerEntry> entries) => AtomicFile.WriteText(Path, JsonSerializer.Serialize(entries.ToList(), Json) + "\n");
}
