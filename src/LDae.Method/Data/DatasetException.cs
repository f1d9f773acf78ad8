namespace LDae.Data;

/// <summary>
/// The one error type of the method's inputs: a missing, truncated or malformed data set or weights file. The
/// message names the file (or folder) and the problem in one sentence, and when the input is missing it says how to
/// get it. The method library knows nothing of the command line; the <c>ldae</c> command treats this as an input
/// error like the harness's <c>InputException</c> (the message alone, exit code 2).
/// </summary>
public sealed class DatasetException : Exception
{
    /// <summary>The file or folder the problem is about, when there is one.</summary>
    public string? FilePath { get; }

    public DatasetException(string message, Exception? inner = null) : base(message, inner) { }

    public DatasetException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner) => FilePath = filePath;
}
