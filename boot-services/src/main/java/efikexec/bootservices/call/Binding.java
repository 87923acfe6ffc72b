package efikexec.bootservices.call;

/** A service implementation with the number of arguments its trace line shows. */
public record Binding(int arity, Service service) {
}
