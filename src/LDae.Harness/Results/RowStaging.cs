using LDae.Files;

namespace LDae.Harness.Results;

/// <summary>
/// Where a run of a row works: <c>.&lt;row&gt;.staging/</c> beside the row's folder. Everything a run writes —
/// checkpoint, log, weights, figures, console.log and metrics.json last — goes there, and only a complete run is
/// swapped into the row's place (<see cref="Publish"/>). Until then the previous result stays whole: a run that
/// fails, is killed or was started with <c>--force</c> by mistake leaves it as it was. An interrupted run resumes
/// from its staging folder as long as the identity stamped in it — configuration hash and data digest
/// (<see cref="Identity"/>) — still matches: a checkpoint made on other data is never resumed.
/// </summary>
public sealed class RowStaging
{
    const string HashStamp = "config.hash";
    readonly RowPaths row;

    /// <summary>The staging folder's files (the same names as in the row's folder).</summary>
    public RowPaths Files { get; }

    RowStaging(RowPaths row)
    {
        this.row = row;
        Files = new RowPaths(row.Staging);
    }

    /// <summary>What a staging folder is stamped with: the run's configuration hash and its data's content digest.</summary>
    public static string Identity(string hash, string dataDigest) => $"{hash} data {dataDigest}";

    /// <summary>
    /// The staging folder for a run of <paramref name="identity"/> (<see cref="Identity"/>): kept when it holds work of
    /// the same configuration on the same data (unless <paramref name="fresh"/>), emptied otherwise. Call with the
    /// row's lock held.
    /// </summary>
    public static RowStaging Open(RowPaths row, string identity, bool fresh)
    {
        DeleteIfExists(row.Retired); // left by a swap that was interrupted while deleting the old result
        bool keep = !fresh && IsStampedWith(row.Staging, identity);
        if (!keep) DeleteIfExists(row.Staging);
        else
            // a killed run's writes in progress: never read, and with the lock held no other writer is here
            foreach (var stale in Directory.EnumerateFiles(row.Staging, "*", SearchOption.AllDirectories).Where(AtomicFile.IsTemporary))
                File.Delete(stale);
        Directory.CreateDirectory(row.Staging);
        if (!keep) AtomicFile.WriteText(Path.Combine(row.Staging, HashStamp), identity + "\n");
        return new RowStaging(row);
    }

    /// <summary>Whether the staging folder <paramref name="dir"/> holds work of <paramref name="identity"/> (<see cref="Identity"/>).</summary>
    public static bool IsStampedWith(string dir, string identity)
    {
        var stamp = Path.Combine(dir, HashStamp);
        return File.Exists(stamp) && File.ReadAllText(stamp).Trim() == identity;
    }

    /// <summary>A fresh staging folder holding a copy of the row's finished result, to redo a later stage (a re-probe) on it.</summary>
    public static RowStaging CopyOfPublished(RowPaths row, string identity)
    {
        var staging = Open(row, identity, fresh: true);
        foreach (var file in Directory.EnumerateFiles(row.Dir, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')))
        {
            var target = Path.Combine(row.Staging, Path.GetRelativePath(row.Dir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!File.Exists(target)) File.Copy(file, target);
        }
        return staging;
    }

    /// <summary>Swaps the completed staging folder into the row's place; the previous result is deleted after.</summary>
    public void Publish()
    {
        DirectorySwap.Replace(row.Dir, row.Staging, row.Retired);
        DeleteIfExists(row.Retired);
    }

    static void DeleteIfExists(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }
}
