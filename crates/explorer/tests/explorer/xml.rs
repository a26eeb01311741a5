//! A small XML well-formedness checker for the SVG charts: one root element, tags nested and
//! closed in order, attributes quoted and unique, `<` never in text or attribute values, and
//! every `&` a known character reference.

fn entity_ok(s: &str) -> Option<usize> {
    let end = s.find(';')?;
    let name = &s[1..end];
    let ok = match name {
        "amp" | "lt" | "gt" | "quot" | "apos" => true,
        _ => {
            if let Some(hex) = name.strip_prefix("#x") {
                !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit())
            } else if let Some(dec) = name.strip_prefix('#') {
                !dec.is_empty() && dec.chars().all(|c| c.is_ascii_digit())
            } else {
                false
            }
        }
    };
    ok.then_some(end + 1)
}

fn check_text(text: &str) -> Result<(), String> {
    let mut i = 0;
    while let Some(p) = text[i..].find(['&', '<']) {
        let at = i + p;
        if text[at..].starts_with('<') {
            return Err(format!(
                "raw '<' in text near {:?}",
                &text[at..(at + 20).min(text.len())]
            ));
        }
        let len = entity_ok(&text[at..]).ok_or_else(|| {
            format!(
                "bad reference near {:?}",
                &text[at..(at + 12).min(text.len())]
            )
        })?;
        i = at + len;
    }
    Ok(())
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

/// Checks `doc`; the error says what is wrong and where.
pub fn well_formed(doc: &str) -> Result<(), String> {
    let mut rest = doc.trim_start();
    if let Some(r) = rest.strip_prefix("<?xml") {
        let end = r.find("?>").ok_or("unterminated XML declaration")?;
        rest = &r[end + 2..];
    }
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    loop {
        let Some(lt) = rest.find('<') else {
            check_text(rest)?;
            if !rest.trim().is_empty() && stack.is_empty() {
                return Err("text after the root element".into());
            }
            break;
        };
        let text = &rest[..lt];
        check_text(text)?;
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root element: {:?}", text.trim()));
        }
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            let end = r.find("-->").ok_or("unterminated comment")?;
            rest = &r[end + 3..];
            continue;
        }
        let gt = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs) = match tag.find(char::is_whitespace) {
            Some(i) => (&tag[..i], tag[i..].trim()),
            None => (tag, ""),
        };
        if !is_name(name) {
            return Err(format!("bad element name {name:?}"));
        }
        let mut seen = Vec::new();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or_else(|| format!("attribute without value in <{name}>"))?;
            let attr = attrs[..eq].trim();
            if !is_name(attr) {
                return Err(format!("bad attribute name {attr:?} in <{name}>"));
            }
            if seen.contains(&attr) {
                return Err(format!("duplicate attribute {attr} in <{name}>"));
            }
            seen.push(attr);
            let after = attrs[eq + 1..].trim_start();
            let quote = after.chars().next().ok_or("missing attribute value")?;
            if quote != '"' && quote != '\'' {
                return Err(format!("unquoted attribute {attr} in <{name}>"));
            }
            let close = after[1..]
                .find(quote)
                .ok_or_else(|| format!("unterminated attribute {attr}"))?;
            check_text(&after[1..1 + close])?;
            attrs = after[close + 2..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
            if roots > 1 {
                return Err("more than one root element".into());
            }
        }
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> is never closed"));
    }
    if roots != 1 {
        return Err("no root element".into());
    }
    Ok(())
}
