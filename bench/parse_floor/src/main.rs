//! `parse-floor FILE...`: reads each file and pulls every event from saphyr-parser (the
//! parser stackplan uses, with its vendored patches), building nothing; prints the event
//! count. What a process that only parses costs: the floor of issue 14's item 5.

fn main() {
    let mut events = 0u64;
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(2)
        });
        let mut parser = saphyr_parser::Parser::new_from_str(&text);
        while let Some(event) = parser.next_event() {
            if let Err(e) = event {
                eprintln!("{path}: {e}");
                std::process::exit(1);
            }
            events += 1;
        }
    }
    println!("{events} events");
}
