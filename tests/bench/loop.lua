-- loop: a tail-recursive loop summing 0..5,000,000 (Lua has proper tail calls).
local function loop(i, sum)
  if i > 5000000 then return sum end
  return loop(i + 1, sum + i)
end
print(loop(0, 0))
