namespace LDae.Harness;

/// <summary>
/// A problem with what the user gave — an option, a configuration key, a file or a folder — rather than a failure of
/// the run itself. Its message is one line that names the option, key, file or folder and says what to change;
/// the <c>ldae</c> command prints it alone and exits with code 2.
/// </summary>
public class InputException(string message, Exception? inner = null) : Exception(message, inner);
