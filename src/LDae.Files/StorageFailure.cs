namespace LDae.Files;

/// <summary>
/// A file that could not be written or read for a reason of the machine, not of the run: the disk is full, the
/// folder is read-only or not the user's. Its message is one line naming the file; the commands exit 2 with it.
/// </summary>
public sealed class StorageException(string path, string why, Exception inner) : IOException($"cannot write {path}: {why}", inner)
{
    public string Path { get; } = path;
}

/// <summary>Tells the expected failures of the file system (full, read-only, not permitted) from the rest.</summary>
public static class StorageFailure
{
    // errno values of Linux, which .NET gives as the HResult of the IOException it raises for them.
    const int NoSpace = 28, ReadOnlyFileSystem = 30, QuotaExceeded = 122;

    /// <summary>What the file system refused, in a few words, or null when <paramref name="e"/> is not such a failure.</summary>
    public static string? Describe(Exception e) => e switch
    {
        StorageException => null, // already described
        UnauthorizedAccessException => "permission denied",
        IOException { HResult: NoSpace } => "no space left on the device",
        IOException { HResult: QuotaExceeded } => "the disk quota is exceeded",
        IOException { HResult: ReadOnlyFileSystem } => "the file system is read-only",
        { InnerException: { } inner } => Describe(inner),
        _ => null,
    };
}
