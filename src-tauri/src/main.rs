fn main() {
    butler_desktop::run();
}
