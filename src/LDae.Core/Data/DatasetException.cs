namespace LDae.Data;

/// <summary>
/// The one error type of the data layer: a missing, truncated or malformed input. The message names the
/// file (or folder) and the problem in one sentence, and when the data is missing it says how to get it.
/// </summary>
public sealed class DatasetException : LDae.Harness.InputException
{
    /// <summary>The file or folder the problem is about, when there is one.</summary>
    public string? FilePath { get; }

    public DatasetException(string message, Exception? inner = null) : base(message, inner) { }

    public DatasetException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner) => FilePath = filePath;
}
