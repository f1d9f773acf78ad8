namespace LDae.Files;

/// <summary>
/// A file's length and modification time as the key of a digest computed from its contents, so the digest is reused
/// instead of reading the file again. The file system stamps times at a coarse tick: a file changed again within the
/// same tick at the same length keeps its stamp. A digest is therefore reused only for a file last modified more than
/// <see cref="RacyWindow"/> ago (git's "racily clean" entries have the same cause and the same cure).
/// </summary>
public static class FileStamp
{
    public static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    /// <summary>Whether a digest keyed on the file's stamp may be reused: it was last modified before <see cref="RacyWindow"/>.</summary>
    public static bool Settled(FileInfo file) => DateTime.UtcNow - file.LastWriteTimeUtc >= RacyWindow;
}
